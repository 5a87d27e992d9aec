// `node scripts/api-check.mjs`: every public export of every package has a doc comment, so does
// every property of an exported interface or object type (what a field of an event, a stats
// object or a payload means), and every optional property of an options interface (a name ending
// in `Init`, `Options` or `Config`) says its default (`@default`). Reads the built declarations (dist/*.d.ts) with the TypeScript
// compiler; exits 1 with the list when something is missing. Part of `npm run build`.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..');
const packages = ['packages/msgpack-guard', 'packages/protocol', 'packages/core', 'packages/lobby', 'packages/sync', 'server'];

const entries = [];
for (const dir of packages) {
  const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  for (const [subpath, conditions] of Object.entries(manifest.exports ?? {})) {
    const types = join(root, dir, conditions.types);
    if (!existsSync(types)) throw new Error(`${manifest.name}${subpath.slice(1)}: no ${conditions.types}; build first`);
    entries.push({ name: `${manifest.name}${subpath.slice(1)}`, file: types });
  }
}

const program = ts.createProgram(
  entries.map((e) => e.file),
  { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'], types: ['node'], noEmit: true },
);
const checker = program.getTypeChecker();
const problems = new Set();

const documented = (symbol) => symbol.getDocumentationComment(checker).length > 0 || symbol.getJsDocTags(checker).some((tag) => tag.name !== 'default');
const isOptions = (name) => /(Init|Options|Config)$/.test(name);

/** The object type an exported interface or type alias names; none for other exports, unions and tuples (their labels say it). */
function objectType(symbol) {
  if (!(symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias))) return undefined;
  const type = checker.getDeclaredTypeOfSymbol(symbol);
  if (!(type.flags & ts.TypeFlags.Object) || checker.isTupleType(type)) return undefined;
  return type;
}

for (const entry of entries) {
  const source = program.getSourceFile(entry.file);
  const module = source === undefined ? undefined : checker.getSymbolAtLocation(source);
  if (module === undefined) {
    problems.add(`${entry.name}: cannot read ${entry.file}`);
    continue;
  }
  for (const exported of checker.getExportsOfModule(module)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const where = symbol.declarations?.[0];
    const file = where?.getSourceFile().fileName ?? '';
    // Re-exports of other libraries (e.g. valibot) are theirs to document.
    if (file.includes('/node_modules/') && !file.includes('/@rallypoint/')) continue;
    const name = exported.getName();
    if (!documented(symbol)) problems.add(`${entry.name}: export ${name} has no doc comment`);
    const type = objectType(symbol);
    if (type === undefined) continue;
    const options = isOptions(name) && (symbol.flags & ts.SymbolFlags.Interface) !== 0;
    for (const property of checker.getPropertiesOfType(type)) {
      if (property.flags & ts.SymbolFlags.Method) continue;
      // Fields another library declares (a DOM type extended, a valibot schema's internals) are its own.
      const from = property.declarations?.[0]?.getSourceFile().fileName ?? '';
      if (from.includes('/node_modules/') && !from.includes('/@rallypoint/')) continue;
      const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
      if (!documented(property)) problems.add(`${entry.name}: ${name}.${property.getName()} has no doc comment`);
      else if (options && optional && !property.getJsDocTags(checker).some((tag) => tag.name === 'default')) problems.add(`${entry.name}: ${name}.${property.getName()} is optional and says no @default`);
    }
  }
}

if (problems.size > 0) {
  console.error(`api-check: ${problems.size} undocumented:\n${[...problems].map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`api-check: every export of ${entries.length} entry points documented, every option with its default`);
