// Replaces a generated section of README.md: the text between `<!-- NAME:start -->` and
// `<!-- NAME:end -->` (used by the scripts that turn benchmark JSON into README tables).
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** @param {string} name the markers' name @param {string} text what goes between them */
export function replaceReadmeSection(name, text) {
  const path = resolve(import.meta.dirname, '../README.md');
  const readme = readFileSync(path, 'utf8');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  if (!readme.includes(start) || !readme.includes(end)) throw new Error(`README.md has no ${start} … ${end} markers`);
  writeFileSync(path, readme.replace(new RegExp(`${start}[\\s\\S]*${end}`), () => `${start}\n${text}\n${end}`));
  console.log(`README.md: ${name} replaced`);
}
