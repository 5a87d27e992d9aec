// The public API report of every package entry point (API Extractor's .api.md), in api/: checked
// into the repository so that an API change shows in review. `npm run api` writes them
// (`--update`); without it, this fails when the built declarations no longer match the reports
// (a test runs it that way). Reads dist/*.d.ts: build first.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = resolve(import.meta.dirname, '..');
const update = process.argv.includes('--update');
const reportFolder = join(root, 'api');
mkdirSync(reportFolder, { recursive: true });
const packages = ['packages/msgpack-guard', 'packages/protocol', 'packages/core', 'packages/lobby', 'packages/sync', 'server'];

let failed = 0;
for (const dir of packages) {
  const packageJsonFullPath = join(root, dir, 'package.json');
  const manifest = JSON.parse(readFileSync(packageJsonFullPath, 'utf8'));
  for (const [subpath, conditions] of Object.entries(manifest.exports)) {
    const entry = join(root, dir, conditions.types);
    if (!existsSync(entry)) throw new Error(`${entry} is missing: build first`);
    const reportName = `${manifest.name.replace('@rallypoint/', '')}${subpath === '.' ? '' : subpath.slice(1).replace('/', '-')}`;
    const config = ExtractorConfig.prepare({
      configObject: {
        projectFolder: join(root, dir),
        mainEntryPointFilePath: entry,
        compiler: { overrideTsconfig: { compilerOptions: { lib: ['es2023', 'dom'], types: ['node'], strict: true, skipLibCheck: true, moduleResolution: 'node16', module: 'node16' }, files: [entry] } },
        apiReport: { enabled: true, reportFolder, reportTempFolder: join(root, 'node_modules/.cache/api-report'), reportFileName: `${reportName}.api.md` },
        docModel: { enabled: false },
        dtsRollup: { enabled: false },
        tsdocMetadata: { enabled: false },
        messages: {
          compilerMessageReporting: { default: { logLevel: 'warning' } },
          // Release tags (@public/@beta) are not used here; the doc comments are checked by api-check.mjs.
          extractorMessageReporting: { default: { logLevel: 'warning' }, 'ae-missing-release-tag': { logLevel: 'none' }, 'ae-undocumented': { logLevel: 'none' }, 'ae-forgotten-export': { logLevel: 'none', addToApiReportFile: true } },
          tsdocMessageReporting: { default: { logLevel: 'none' } },
        },
      },
      configObjectFullPath: join(root, dir, 'api-extractor.json'),
      packageJsonFullPath,
    });
    const result = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false, messageCallback: (message) => { if (message.logLevel === 'info' || message.logLevel === 'verbose') message.handled = true; } });
    if (!result.succeeded) {
      failed++;
      console.error(`api-report: ${reportName}: ${result.apiReportChanged ? 'the API changed and api/ does not say so: run `npm run api` and commit the report' : `${result.errorCount} errors`}`);
    }
  }
}
if (failed > 0) process.exit(1);
console.log(update ? `api-report: reports written to api/` : 'api-report: every report matches');
