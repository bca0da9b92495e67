// `npm run build`'s tsc step without its type check: each file of tsconfig.build.json through
// TypeScript's own emitter, one at a time, as isolatedModules (on in tsconfig.json) guarantees is
// the same output. The type check is `npm run typecheck`'s; here it cost 10 s of CPU a run.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { ROOT } from '../../server/paths.ts';

/** Writes dist/ from the current sources (shared, server, agent) as `tsc -p tsconfig.build.json` does. */
export function compileForProduction(): void {
  const configFile = join(ROOT, 'tsconfig.build.json');
  const { config } = ts.readConfigFile(configFile, ts.sys.readFile);
  const { options, fileNames, errors } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT, undefined, configFile);
  if (errors.length > 0) throw new Error(ts.formatDiagnostics(errors, ts.createCompilerHost(options)));
  for (const file of fileNames) {
    if (file.endsWith('.d.ts')) continue;
    const out = join(options.outDir!, relative(options.rootDir!, file)).replace(/\.ts$/, '.js');
    const { outputText, sourceMapText, diagnostics = [] } = ts.transpileModule(readFileSync(file, 'utf8'), {
      reportDiagnostics: true,
      // Every file is an ES module (package.json: "type": "module"), which NodeNext finds in
      // package.json: one file at a time, it has to be told.
      compilerOptions: { ...options, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
      fileName: file,
    });
    if (diagnostics.length > 0) throw new Error(ts.formatDiagnostics(diagnostics, ts.createCompilerHost(options)));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
    if (sourceMapText) writeFileSync(`${out}.map`, sourceMapText);
  }
}
