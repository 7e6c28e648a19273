/*
 * /orgs/new: suggests a URL name from the organization's name and keeps
 * the URL preview in step with the field. Progressive enhancement only:
 * without it the form works the same, and the server's slug rule
 * ([a-z0-9-]{2,40}) stays the one that decides.
 */
(function () {
	"use strict";

	var form = document.querySelector("form[data-slug-form]");
	if (!form) {
		return;
	}
	var name = form.querySelector("#name");
	var slug = form.querySelector("#slug");
	var preview = form.querySelector("[data-slug-preview]");
	if (!name || !slug || !preview) {
		return;
	}
	/* A URL name the person typed is theirs: stop suggesting. */
	var edited = slug.value !== "";

	function suggest(text) {
		var s = text.normalize ? text.normalize("NFKD") : text;
		s = s.replace(/[\u0300-\u036f]/g, "").toLowerCase();
		s = s.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
		return s.slice(0, 40).replace(/-+$/, "");
	}

	function show() {
		preview.textContent = slug.value !== "" ? slug.value : "url-name";
	}

	name.addEventListener("input", function () {
		if (!edited) {
			slug.value = suggest(name.value);
			show();
		}
	});
	slug.addEventListener("input", function () {
		edited = slug.value !== "";
		show();
	});
	show();
}());
