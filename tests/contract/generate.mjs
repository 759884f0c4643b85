#!/usr/bin/env node
// Converts Slack's own TypeScript types (@slack/web-api, @slack/types) into JSON Schemas for
// Tandem's contract tests (tests/contract/checks.py).
//
//   cd tests/contract && npm ci && npm run generate
//
// Output (schemas/) is pretty-printed with sorted keys and no timestamps or absolute paths, so
// regenerating with the same package-lock.json is byte-identical and CI can detect drift with git.
//
// What is generated:
//   schemas/web-api/<method>.json   arguments of each Web API method listed in methods.json
//   schemas/manifest.json           the `manifest` argument of apps.manifest.create
//   schemas/block-kit/KnownBlock.json, schemas/block-kit/View.json   from @slack/types
//   schemas/index.json              what was generated, from which package versions
//
// The raw ts-json-schema-generator output is normalised (see normalise()) without changing what it
// accepts, except that the `undefined` branch of optional-argument types is dropped: JSON has no
// `undefined`, and "no arguments" is the empty object, which those schemas accept anyway.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { createGenerator } from 'ts-json-schema-generator';
import ts from 'typescript';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// ts-json-schema-generator derives some internal names from paths relative to the working
// directory; run from a fixed place so nothing depends on where the script was started.
process.chdir(HERE);

const require = createRequire(import.meta.url);
const OUT_DIR = path.join(HERE, 'schemas');
const METHODS = JSON.parse(fs.readFileSync(path.join(HERE, 'methods.json'), 'utf8')).methods;

function pkgDir(name) {
  return path.dirname(require.resolve(`${name}/package.json`));
}
function pkgVersion(name) {
  return JSON.parse(fs.readFileSync(path.join(pkgDir(name), 'package.json'), 'utf8')).version;
}
function rel(p) {
  return path.relative(HERE, p).split(path.sep).join('/');
}

const WEB_API = pkgDir('@slack/web-api');
const SLACK_TYPES = pkgDir('@slack/types');
const VERSIONS = {
  '@slack/types': pkgVersion('@slack/types'),
  '@slack/web-api': pkgVersion('@slack/web-api'),
  'ts-json-schema-generator': pkgVersion('ts-json-schema-generator'),
  typescript: pkgVersion('typescript'),
};
// @slack/web-api must see the same @slack/types we generate Block Kit schemas from.
{
  const nested = path.join(WEB_API, 'node_modules', '@slack', 'types');
  if (fs.existsSync(nested)) {
    fail(`@slack/web-api uses its own nested @slack/types (${rel(nested)}); ` +
      'pin a top-level @slack/types version that satisfies its dependency range.');
  }
}

function fail(message) {
  console.error(`generate.mjs: ${message}`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// 1. Check methods.json against @slack/web-api's own method table (dist/methods.d.ts), e.g.
//    `chat: { postMessage: MethodWithRequiredArgument<ChatPostMessageArguments, ...> }`.
function webApiMethodTable() {
  const file = path.join(WEB_API, 'dist', 'methods.d.ts');
  const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const table = new Map();
  const walk = (members, prefix) => {
    for (const member of members) {
      if (!(ts.isPropertyDeclaration(member) || ts.isPropertySignature(member)) || !member.type) {
        continue;
      }
      const name = ts.isIdentifier(member.name) || ts.isStringLiteral(member.name)
        ? member.name.text
        : member.name.getText(sf);
      const full = prefix ? `${prefix}.${name}` : name;
      const type = member.type;
      if (ts.isTypeLiteralNode(type)) {
        walk(type.members, full);
      } else if (ts.isTypeReferenceNode(type) &&
        /^MethodWith(Required|Optional)Argument$/.test(type.typeName.getText(sf)) &&
        type.typeArguments?.length) {
        table.set(full, type.typeArguments[0].getText(sf));
      }
    }
  };
  ts.forEachChild(sf, (node) => {
    if (ts.isClassDeclaration(node) && node.name?.text === 'Methods') walk(node.members, '');
  });
  if (table.size < 100) fail(`could not read the method table from ${rel(file)}`);
  return table;
}

{
  const table = webApiMethodTable();
  const problems = [];
  for (const [method, typeName] of Object.entries(METHODS)) {
    if (!table.has(method)) {
      problems.push(`${method}: not a method of @slack/web-api ${VERSIONS['@slack/web-api']}`);
    } else if (table.get(method) !== typeName) {
      problems.push(`${method}: methods.json says ${typeName}, @slack/web-api uses ${table.get(method)}`);
    }
  }
  if (!table.has('apps.manifest.create') || table.get('apps.manifest.create') !== 'AppsManifestCreateArguments') {
    problems.push('apps.manifest.create: expected AppsManifestCreateArguments');
  }
  if (problems.length) fail(`methods.json is out of step with @slack/web-api:\n  ${problems.join('\n  ')}`);
}

// ---------------------------------------------------------------------------------------------
// 2. Generate.
const GENERATOR_CONFIG = {
  tsconfig: path.join(HERE, 'tsconfig.json'),
  expose: 'export', // exported TS types become definitions; anonymous ones are inlined
  topRef: true,
  jsDoc: 'extended', // keep descriptions and JSDoc validation tags (@minLength etc.)
  additionalProperties: false, // an object type without an index signature is closed
  strictTuples: true,
  encodeRefs: false,
  skipTypeCheck: true, // type-checking node_modules' .d.ts files adds time, not safety
};
const webApiGenerator = createGenerator({
  ...GENERATOR_CONFIG,
  path: path.join(WEB_API, 'dist', 'index.d.ts'),
});
const slackTypesGenerator = createGenerator({
  ...GENERATOR_CONFIG,
  path: path.join(SLACK_TYPES, 'dist', 'index.d.ts'),
});

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const REF_PREFIX = '#/definitions/';
const ANNOTATIONS = new Set(['description', 'title', '$comment', 'deprecated', 'examples', 'default']);
const STABLE_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function mapDeep(node, fn) {
  if (Array.isArray(node)) return node.map((x) => mapDeep(x, fn));
  if (!isObject(node)) return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) out[k] = mapDeep(v, fn);
  return fn(out);
}

function refsIn(node, acc = new Set()) {
  if (Array.isArray(node)) node.forEach((x) => refsIn(x, acc));
  else if (isObject(node)) {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(REF_PREFIX)) acc.add(v.slice(REF_PREFIX.length));
      else refsIn(v, acc);
    }
  }
  return acc;
}

// Normalise a generated schema:
//  * drop `{"not": {}}` branches (TypeScript's `undefined`, from OptionalArgument<T>) and collapse
//    the resulting one-branch anyOf;
//  * inline definitions whose names are not plain identifiers (generic instantiations such as
//    `OptionalArgument<...>` / `Record<string,unknown>`, and the generator's hash-based names for
//    anonymous types) so definition names are readable and stable; recursive ones are renamed;
//  * drop unreachable definitions; sort object keys and `required` lists.
function normalise(schema) {
  let defs = { ...(schema.definitions ?? {}) };
  let root = { ...schema };
  delete root.definitions;

  const dropUndefined = (node) => {
    for (const key of ['anyOf', 'oneOf']) {
      if (!Array.isArray(node[key])) continue;
      const kept = node[key].filter((b) => !(isObject(b) && Object.keys(b).length === 1 && isObject(b.not) && Object.keys(b.not).length === 0));
      if (kept.length === node[key].length) continue;
      if (kept.length === 0) fail('a type reduced to `undefined` only');
      const rest = { ...node };
      delete rest[key];
      if (kept.length === 1 && Object.keys(rest).every((k) => ANNOTATIONS.has(k))) {
        // the wrapper's annotations describe the optional-argument helper, not the type
        return kept[0];
      }
      return { ...rest, [key]: kept };
    }
    return node;
  };
  for (const name of Object.keys(defs)) defs[name] = mapDeep(defs[name], dropUndefined);
  root = mapDeep(root, dropUndefined);

  // Recursive definitions cannot be inlined; give those a sanitised name instead.
  const unstable = Object.keys(defs).filter((n) => !STABLE_NAME.test(n));
  const reaches = (from, target, seen = new Set()) => {
    for (const r of refsIn(defs[from])) {
      if (r === target) return true;
      if (!seen.has(r) && defs[r]) {
        seen.add(r);
        if (reaches(r, target, seen)) return true;
      }
    }
    return false;
  };
  const rename = new Map();
  const inline = new Set();
  for (const name of unstable) {
    if (reaches(name, name)) {
      const clean = name.replace(/[^A-Za-z0-9_$]+/g, '_').replace(/^_+|_+$/g, '');
      if (!STABLE_NAME.test(clean) || defs[clean] || [...rename.values()].includes(clean) || /\d{6,}/.test(clean)) {
        fail(`cannot give recursive definition ${name} a stable name`);
      }
      rename.set(name, clean);
    } else {
      inline.add(name);
    }
  }
  const substitute = (node) => {
    if (typeof node.$ref !== 'string' || !node.$ref.startsWith(REF_PREFIX)) return node;
    const target = node.$ref.slice(REF_PREFIX.length);
    if (rename.has(target)) return { ...node, $ref: REF_PREFIX + rename.get(target) };
    if (!inline.has(target)) return node;
    const siblings = { ...node };
    delete siblings.$ref;
    const body = mapDeep(defs[target], substitute);
    if (typeof body.$ref === 'string' && Object.keys(siblings).length) {
      // keep draft-07 semantics: only annotations may sit next to $ref
      if (!Object.keys(siblings).every((k) => ANNOTATIONS.has(k))) return { ...siblings, allOf: [body] };
    }
    return { ...body, ...siblings };
  };
  const newDefs = {};
  for (const [name, body] of Object.entries(defs)) {
    if (inline.has(name)) continue;
    newDefs[rename.get(name) ?? name] = mapDeep(body, substitute);
  }
  defs = newDefs;
  const newRoot = mapDeep(root, substitute);

  // prune unreachable definitions
  const reachable = new Set();
  const queue = [...refsIn(newRoot)];
  while (queue.length) {
    const name = queue.pop();
    if (reachable.has(name)) continue;
    if (!defs[name]) fail(`dangling $ref to ${name}`);
    reachable.add(name);
    queue.push(...refsIn(defs[name]));
  }
  const finalDefs = {};
  for (const name of reachable) finalDefs[name] = defs[name];
  for (const name of Object.keys(finalDefs)) {
    if (!STABLE_NAME.test(name) || /\d{6,}/.test(name)) fail(`unstable definition name left: ${name}`);
  }
  if (Object.keys(finalDefs).length) newRoot.definitions = finalDefs;
  return newRoot;
}

function sortDeep(node, parentKey) {
  if (Array.isArray(node)) {
    const items = node.map((x) => sortDeep(x));
    return parentKey === 'required' ? [...items].sort() : items;
  }
  if (!isObject(node)) return node;
  const out = {};
  for (const key of Object.keys(node).sort()) out[key] = sortDeep(node[key], key);
  return out;
}

function withHeader(schema, { title, source, typeName }) {
  return {
    ...schema,
    $comment: `GENERATED by tests/contract/generate.mjs from ${source} ${typeName} ` +
      `(${source}@${VERSIONS[source]}). Do not edit: run \`npm ci && npm run generate\` in tests/contract.`,
    title,
  };
}

const outputs = new Map(); // relative path -> schema object

for (const [method, typeName] of Object.entries(METHODS).sort(([a], [b]) => a.localeCompare(b))) {
  const schema = normalise(webApiGenerator.createSchema(typeName));
  outputs.set(`web-api/${method}.json`,
    withHeader(schema, { title: `${method} arguments`, source: '@slack/web-api', typeName }));
}

{
  // apps.manifest.create's `manifest` argument. (Its type, `Manifest`, is declared in
  // dist/types/request/manifest.d.ts but not exported from the package root, so take it from the
  // exported AppsManifestCreateArguments.)
  const args = normalise(webApiGenerator.createSchema('AppsManifestCreateArguments'));
  let argsBody = args;
  while (argsBody.$ref) argsBody = args.definitions[argsBody.$ref.slice(REF_PREFIX.length)];
  const manifestProp = argsBody.properties?.manifest;
  if (!manifestProp) fail('AppsManifestCreateArguments has no `manifest` property');
  const manifestSchema = { ...manifestProp, definitions: args.definitions };
  delete manifestSchema.description;
  manifestSchema.$schema = args.$schema;
  outputs.set('manifest.json', withHeader(normalise(manifestSchema), {
    title: 'Slack app manifest',
    source: '@slack/web-api',
    typeName: "AppsManifestCreateArguments['manifest']",
  }));
}

for (const typeName of ['KnownBlock', 'View']) {
  const schema = normalise(slackTypesGenerator.createSchema(typeName));
  outputs.set(`block-kit/${typeName}.json`,
    withHeader(schema, { title: `Block Kit ${typeName}`, source: '@slack/types', typeName }));
}

outputs.set('index.json', {
  $comment: 'GENERATED by tests/contract/generate.mjs. Do not edit.',
  block_kit: { KnownBlock: 'block-kit/KnownBlock.json', View: 'block-kit/View.json' },
  manifest: 'manifest.json',
  methods: Object.fromEntries(Object.entries(METHODS).map(([m, t]) => [m, { file: `web-api/${m}.json`, type: t }])),
  versions: VERSIONS,
});

// ---------------------------------------------------------------------------------------------
// 3. Write, and delete schema files that are no longer generated.
const existing = [];
const listJson = (dir) => {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) listJson(p);
    else if (entry.name.endsWith('.json')) existing.push(path.relative(OUT_DIR, p).split(path.sep).join('/'));
  }
};
listJson(OUT_DIR);
for (const stale of existing.filter((p) => !outputs.has(p))) {
  fs.rmSync(path.join(OUT_DIR, stale));
  console.log(`removed  schemas/${stale}`);
}
let changed = 0;
for (const [relPath, schema] of [...outputs.entries()].sort(([a], [b]) => a.localeCompare(b))) {
  const file = path.join(OUT_DIR, relPath);
  const text = `${JSON.stringify(sortDeep(schema), null, 2)}\n`;
  const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  if (before !== text) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    changed += 1;
    console.log(`${before === null ? 'created ' : 'updated '} schemas/${relPath}`);
  }
}
console.log(`${outputs.size} schemas (${changed} changed) from @slack/web-api@${VERSIONS['@slack/web-api']}, ` +
  `@slack/types@${VERSIONS['@slack/types']}, ts-json-schema-generator@${VERSIONS['ts-json-schema-generator']}`);
