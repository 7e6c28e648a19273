#!/usr/bin/env perl
# Organization settings (SPEC §3 /orgs/{slug}/settings, §4 Join requests
# 1): the public join form is off by default and /join/{slug} is then the
# same 404 as for an unknown slug; owners and admins turn it on and pick
# the extra fields from the fixed set (phone, city, message), anything
# else being 422 invalid-join-fields with nothing written; plain members
# get 403, non-members 404, anonymous visitors are sent to sign in; every
# change is audited.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Roster::Test;
use Roster::Invite;
use Roster::Join;

my $s = Roster::Test->start;
my $owner = person($s, 'olga@example.com', 'Olga', confirm => 1);
new_org($owner, 'Acme', 'acme');
my $bob = join_by_signup($s, invite_ok($s, $owner, 'acme', 'bob@example.com', 'member'), 'Bob');
my $ada = join_by_signup($s, invite_ok($s, $owner, 'acme', 'ada@example.com', 'admin'), 'Ada');
my $carol = person($s, 'carol@example.com', 'Carol');
my $org = $s->sql_one(q{SELECT id FROM organizations WHERE slug = 'acme'});
my $settings = sub { join '|', $s->psql('SELECT join_enabled, join_fields FROM organizations WHERE id = ?', $org)->[0]->@* };

# ---- off by default ------------------------------------------------------------
is $settings->(), 'f|{}', 'a new organization: form off, no extra fields';
my $anon = $s->ua;
my $off = $anon->get('/join/acme');
is $off->{status}, 404, '/join/acme while off: 404';
is $anon->page($off), 'not-found', '... the not-found page';
my $unknown = $anon->get('/join/no-such-org');
is $unknown->{status}, 404, '/join/{unknown}: 404';
is $anon->page($unknown), 'not-found', '... the same page';
is $anon->get('/join/NOT_A_SLUG')->{status}, 404, 'a malformed slug: 404';
$anon->get('/login');    # a page with a form, for its CSRF token
my $post_off = $anon->post_form('/join/acme', { email => 'x@example.com', first_name => 'X' });
is $post_off->{status}, 404, 'POST /join/acme while off: 404';
is $s->sql_one('SELECT count(*) FROM join_requests'), 0, '... nothing stored';

# ---- the settings page ------------------------------------------------------------
my $page = $owner->get('/orgs/acme/settings');
is $page->{status}, 200, 'owner: GET settings 200';
is $owner->page($page), 'org-settings', '... page org-settings';
like $page->{content}, qr/<input[^>]*type="checkbox"[^>]*name="join_enabled"[^>]*value="1"/, '... a join_enabled checkbox of value 1';
unlike $page->{content}, qr/name="join_enabled"[^>]*checked/, '... unchecked';
like $page->{content}, qr/name="join_fields"/, '... a join_fields input';
my $roster = org_page($owner, 'acme');
like $roster->{content}, qr{href="/orgs/acme/settings"}, 'the roster links to the settings for an owner';
like $roster->{content}, qr{href="/orgs/acme/join-requests"}, '... and to the join requests';
unlike org_page($bob, 'acme')->{content}, qr{href="/orgs/acme/settings"}, 'not for a plain member';

# ---- save -----------------------------------------------------------------------
my $audits = audit_count($s, 'organization.settings_changed');
my $res = join_settings($owner, 'acme', 1, ' Phone , message,, ');
is $res->{status}, 303, 'owner saves: 303';
is $owner->location($res), '/orgs/acme/settings', '... back to the settings';
my $next = go($owner, $res);
is $owner->flash($next), 'settings-saved', '... flash settings-saved';
is $settings->(), 't|{phone,message}', '... stored: on, phone and message (case and spaces ignored)';
is audit_count($s, 'organization.settings_changed'), $audits + 1, '... audited';
like $next->{content}, qr/name="join_enabled"[^>]*checked/, '... the checkbox shows on';
like $next->{content}, qr/name="join_fields"[^>]*value="phone, message"/, '... the fields show';

my $form = $anon->get('/join/acme');
is $form->{status}, 200, '/join/acme now 200';
is $anon->page($form), 'join-form', '... page join-form';
like $form->{content}, qr/<input[^>]*name="phone"/, '... asks for the phone';
like $form->{content}, qr/<textarea[^>]*name="message"/, '... and a message';
unlike $form->{content}, qr/name="city"/, '... not the city';
like $form->{content}, qr/name="email"/, '... the email';
like $form->{content}, qr/name="first_name"/, '... the first name';
like $form->{content}, qr/name="last_name"/, '... the last name';

# ---- bad join_fields ----------------------------------------------------------------
for my $bad ('phone,shoe_size', 'city;message', 'phone message', 'PHONE,<b>') {
	my $r = join_settings($owner, 'acme', 1, $bad);
	is $r->{status}, 422, "join_fields '$bad': 422";
	is $owner->page($r), 'org-settings', '... on the settings page';
	is_deeply [ $owner->errors($r) ], ['invalid-join-fields'], '... data-error invalid-join-fields';
	is $settings->(), 't|{phone,message}', '... nothing written';
}
is audit_count($s, 'organization.settings_changed'), $audits + 1, 'refused changes are not audited';
my $esc = join_settings($owner, 'acme', 1, '<script>x</script>');
unlike $esc->{content}, qr/<script>x/, 'the posted value is escaped when shown again';

# ---- who may ------------------------------------------------------------------------
my $m = $bob->get('/orgs/acme/settings');
is $m->{status}, 403, 'plain member: GET settings 403';
is_deeply [ $bob->errors($m) ], ['forbidden'], '... forbidden';
$bob->get('/orgs/acme');
my $mp = $bob->post_form('/orgs/acme/settings', { join_fields => '' });
is $mp->{status}, 403, 'plain member: POST settings 403';
is $settings->(), 't|{phone,message}', '... nothing written';

my $nm = $carol->get('/orgs/acme/settings');
is $nm->{status}, 404, 'non-member: GET settings 404';
$carol->get('/');
is $carol->post_form('/orgs/acme/settings', { join_enabled => 1 })->{status}, 404, 'non-member: POST 404';
is $carol->get('/orgs/nope/settings')->{status}, 404, 'unknown organization: 404';

my $a = $s->ua->get('/orgs/acme/settings');
is $a->{status}, 303, 'anonymous: 303';
like $a->{headers}{location}, qr{/login\?next=%2Forgs%2Facme%2Fsettings$}, '... to sign in';

my $ar = join_settings($ada, 'acme', 1, 'city');
is $ar->{status}, 303, 'an admin saves: 303';
is $settings->(), 't|{city}', '... stored';

# ---- off again ------------------------------------------------------------------------
is join_settings($owner, 'acme', 0, '')->{status}, 303, 'owner turns the form off';
is $settings->(), 'f|{}', '... stored';
is $anon->get('/join/acme')->{status}, 404, '/join/acme: 404 again';
is audit_count($s, 'organization.settings_changed'), $audits + 3, 'each change audited';
my $audit = $owner->get('/orgs/acme/audit');
like $audit->{content}, qr/data-action="organization.settings_changed"/, 'the audit page shows it';

done_testing;
