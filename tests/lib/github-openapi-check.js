/*
 * github-openapi-check.js - checks logged requests against GitHub's own
 * OpenAPI description (the @octokit/openapi package).
 *
 *   node github-openapi-check.js NODE_MODULES LOG.json [LOG.json...]
 *
 * A log is the JSON array fakegithub.py (or fakehttp.py) writes: entries
 * with method, path (with the query) and body. Entries whose path starts
 * with "/__" are the fakes' control requests and are skipped. For every
 * other request:
 *   - the operation is found by method and path template in
 *     api.github.com.json; a path under /api/v3 (GitHub Enterprise Server)
 *     is stripped of that prefix and looked up in the newest ghes-*.json;
 *     /repositories/ID/... (the form of GitHub's Link headers) is looked up
 *     as /repos/{owner}/{repo}/...; no operation is a violation;
 *   - query parameter names must be the operation's, and their values (and
 *     the path's) must fit the parameters' schemas;
 *   - the JSON body must fit the operation's requestBody schema. $refs are
 *     resolved, OpenAPI 3.0's nullable becomes a JSON-schema null type, and
 *     an object schema that lists its properties and says nothing about
 *     others gets additionalProperties: false: GitHub refuses unknown keys
 *     ("... is not a permitted key"), its description just does not say so.
 *
 * Prints one line per violation, "METHOD PATH: where what", then
 * "openapi: N requests checked, N invalid". Exits 0 when all are valid,
 * 1 when any is not, 2 when it cannot run (unreadable log or package).
 */
"use strict";
const fs = require("fs");
const path = require("path");

const nm = process.argv[2];
const logs = process.argv.slice(3);
if (!nm || logs.length === 0) {
	console.error("usage: github-openapi-check.js NODE_MODULES LOG.json...");
	process.exit(2);
}
const Ajv = require(path.join(nm, "ajv")).default;
const addFormats = require(path.join(nm, "ajv-formats")).default;
const generated = path.join(nm, "@octokit/openapi/generated");

const ajvBody = new Ajv({ strict: false, allErrors: true });
addFormats(ajvBody);
const ajvParams = new Ajv({ strict: false, allErrors: true,
	coerceTypes: true });
addFormats(ajvParams);

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch",
	"trace"];

/* One API description, loaded on first use, with its operations indexed. */
function Spec(file) {
	this.file = file;
	this.doc = null;
	this.ops = null;
}

Spec.prototype.load = function () {
	if (this.doc)
		return;
	this.doc = JSON.parse(fs.readFileSync(path.join(generated, this.file),
		"utf8"));
	this.ops = [];
	for (const [tpl, item] of Object.entries(this.doc.paths)) {
		for (const m of METHODS) {
			if (!item[m])
				continue;
			const params = [];
			for (const p of (item.parameters || []).concat(
				item[m].parameters || []))
				params.push(this.deref(p));
			this.ops.push(this.compile(m.toUpperCase(), tpl, item[m],
				params));
		}
	}
	/* The most specific template wins: more literal segments first. */
	this.ops.sort((a, b) => b.literals - a.literals || a.multi - b.multi);
};

Spec.prototype.compile = function (method, tpl, op, params) {
	let literals = 0;
	let multi = 0;
	const names = [];
	const rx = tpl.split("/").map((seg) => {
		const m = /^\{([^}]+)\}$/.exec(seg);
		if (!m) {
			if (seg)
				literals++;
			return seg.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
		}
		names.push(m[1]);
		const p = params.find((x) => x.in === "path" && x.name === m[1]);
		if (p && p["x-multi-segment"]) {
			multi++;
			return "(.+)";
		}
		return "([^/]+)";
	}).join("/");
	return { method, tpl, op, params, names, literals, multi,
		rx: new RegExp("^" + rx + "$") };
};

/* The object a {"$ref": "#/a/b"} points at (one level). */
Spec.prototype.deref = function (v) {
	while (v && typeof v === "object" && typeof v.$ref === "string") {
		let target = this.doc;
		for (const part of v.$ref.replace(/^#\//, "").split("/"))
			target = target[part.replace(/~1/g, "/").replace(/~0/g, "~")];
		if (target === undefined)
			throw new Error("unresolvable $ref " + v.$ref);
		v = target;
	}
	return v;
};

/*
 * A self-contained JSON schema from an OpenAPI 3.0 one: $refs inlined
 * (a reference back into itself becomes {} so recursion ends), nullable
 * turned into a null type, unknown keys refused where the schema lists
 * its properties (see the header).
 */
Spec.prototype.plain = function (schema, stack, inCombinator) {
	if (Array.isArray(schema))
		return schema.map((s) => this.plain(s, stack, false));
	if (!schema || typeof schema !== "object")
		return schema;
	if (typeof schema.$ref === "string") {
		if (stack.includes(schema.$ref))
			return {};
		return this.plain(this.deref(schema), stack.concat([schema.$ref]),
			inCombinator);
	}
	const out = {};
	for (const [k, v] of Object.entries(schema)) {
		if (k === "example" || k === "examples" || k === "description" ||
			k === "xml" || k === "externalDocs" || k === "discriminator")
			continue;
		if (k === "properties" || k === "patternProperties" ||
			k === "definitions") {
			out[k] = {};
			for (const [pk, pv] of Object.entries(v))
				out[k][pk] = this.plain(pv, stack, false);
		} else if (k === "allOf" || k === "anyOf" || k === "oneOf") {
			out[k] = v.map((s) => this.plain(s, stack, true));
		} else if (k === "enum" || k === "required" || k === "default") {
			out[k] = v;
		} else if (v && typeof v === "object") {
			out[k] = this.plain(v, stack, false);
		} else {
			out[k] = v;
		}
	}
	if (out.nullable === true) {
		delete out.nullable;
		if (typeof out.type === "string")
			out.type = [out.type, "null"];
		if (Array.isArray(out.enum) && !out.enum.includes(null))
			out.enum = out.enum.concat([null]);
	}
	if (out.properties && !("additionalProperties" in out) &&
		!inCombinator && !out.allOf)
		out.additionalProperties = false;
	return out;
};

Spec.prototype.find = function (method, p) {
	this.load();
	for (const o of this.ops) {
		if (o.method !== method)
			continue;
		const m = o.rx.exec(p);
		if (!m)
			continue;
		const values = {};
		o.names.forEach((n, i) => { values[n] = m[i + 1]; });
		return { op: o, values };
	}
	return null;
};

const dotcom = new Spec("api.github.com.json");
let ghes = null;

function ghesSpec() {
	if (!ghes) {
		const files = fs.readdirSync(generated).filter((f) =>
			/^ghes-\d+\.\d+\.json$/.test(f));
		files.sort((a, b) => {
			const va = a.match(/(\d+)\.(\d+)/).slice(1).map(Number);
			const vb = b.match(/(\d+)\.(\d+)/).slice(1).map(Number);
			return va[0] - vb[0] || va[1] - vb[1];
		});
		if (files.length === 0)
			throw new Error("no ghes-*.json in " + generated);
		ghes = new Spec(files[files.length - 1]);
	}
	return ghes;
}

const compiled = new Map();

function validator(spec, key, make) {
	const k = spec.file + " " + key;
	if (!compiled.has(k))
		compiled.set(k, make());
	return compiled.get(k);
}

function describe(e) {
	let msg = (e.instancePath || "body") + " " + e.message;
	if (e.keyword === "additionalProperties")
		msg += " ('" + e.params.additionalProperty + "')";
	else if (e.keyword === "enum")
		msg += " (" + JSON.stringify(e.params.allowedValues) + ")";
	return msg;
}

/* Every violation of one logged request, as strings. */
function check(entry) {
	const method = String(entry.method || "").toUpperCase();
	const full = String(entry.path || "");
	const q = full.indexOf("?");
	let p = q < 0 ? full : full.slice(0, q);
	const query = new URLSearchParams(q < 0 ? "" : full.slice(q + 1));
	let spec = dotcom;
	if (p === "/api/v3" || p.startsWith("/api/v3/")) {
		p = p.slice("/api/v3".length) || "/";
		spec = ghesSpec();
	}
	let hit = spec.find(method, p);
	if (!hit) {
		const m = /^\/repositories\/\d+(\/.*)$/.exec(p);
		if (m)
			hit = spec.find(method, "/repos/owner/repo" + m[1]);
	}
	if (!hit)
		return ["no operation " + method + " " + p + " in " + spec.file];
	const out = [];
	const { op, values } = hit;

	/* Parameters: names, then values (strings, coerced as GitHub does). */
	const known = {};
	for (const prm of op.params)
		if (prm.in === "query")
			known[prm.name] = prm;
	const given = {};
	for (const [k, v] of query) {
		if (!(k in known))
			out.push("unknown query parameter '" + k + "' for " +
				method + " " + op.tpl);
		else
			given[k] = v;
	}
	const pv = validator(spec, method + " " + op.tpl + " params", () => {
		const props = {};
		const req = [];
		for (const prm of op.params) {
			if (prm.in !== "query" && prm.in !== "path")
				continue;
			props[prm.in + ":" + prm.name] = spec.plain(prm.schema || {},
				[], false);
			if (prm.in === "path")
				req.push("path:" + prm.name);
		}
		return ajvParams.compile({ type: "object", properties: props,
			required: req });
	});
	const pdata = {};
	for (const [k, v] of Object.entries(given))
		pdata["query:" + k] = v;
	for (const [k, v] of Object.entries(values)) {
		try {
			pdata["path:" + k] = decodeURIComponent(v);
		} catch (e) {
			out.push("path parameter '" + k + "' is badly encoded");
		}
	}
	if (!pv(pdata))
		for (const e of pv.errors)
			out.push(e.instancePath.replace(/^\//, "").replace(":",
				" parameter '") + "' " + e.message);

	/* The body. */
	const text = entry.body || "";
	let rb = op.op.requestBody ? spec.deref(op.op.requestBody) : null;
	if (!rb) {
		if (text.trim() !== "")
			out.push(method + " " + op.tpl + " takes no request body");
		return out;
	}
	if (text.trim() === "") {
		if (rb.required)
			out.push("the request body is required");
		return out;
	}
	const content = rb.content || {};
	const media = Object.keys(content).find((k) => /json/.test(k));
	if (!media)
		return out;
	let body;
	try {
		body = JSON.parse(text);
	} catch (e) {
		out.push("body is not JSON: " + e.message);
		return out;
	}
	const bv = validator(spec, method + " " + op.tpl + " body", () =>
		ajvBody.compile(spec.plain(content[media].schema || {}, [],
			false)));
	if (!bv(body))
		for (const e of bv.errors)
			out.push(describe(e));
	return out;
}

let checked = 0;
let invalid = 0;
try {
	for (const file of logs) {
		const entries = JSON.parse(fs.readFileSync(file, "utf8"));
		if (!Array.isArray(entries))
			throw new Error(file + ": not a JSON array");
		for (const entry of entries) {
			const p = String(entry.path || "");
			if (p.startsWith("/__"))
				continue;
			checked++;
			const problems = check(entry);
			if (problems.length)
				invalid++;
			const where = String(entry.method).toUpperCase() + " " +
				p.split("?")[0];
			for (const msg of [...new Set(problems)])
				console.log(where + ": " + msg);
		}
	}
} catch (e) {
	console.error("github-openapi-check: " + e.message);
	process.exit(2);
}
console.log("openapi: " + checked + " requests checked, " + invalid +
	" invalid");
process.exit(invalid ? 1 : 0);
