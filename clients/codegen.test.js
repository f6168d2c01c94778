// graphql-codegen (client-preset) as an app runs it, with codegen.ts: the
// typed documents of codegen/*.graphql, generated from the committed
// schema.graphql and from a running gateway's introspection, compile under
// `tsc --strict` with codegen/usage.ts, which compiles only when Decimal,
// Date and DateTime are exactly string. Without the mapping, strictScalars
// makes codegen fail, and Decimal as unknown or any makes usage.ts fail.
// GATEWAY_URL (the /graphql URL) and KEY (a key allowed to introspect) come
// from the environment; server/codegen_test.go starts a gateway and runs
// this. Starts nothing else; writes only into a temporary directory.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const clients = fileURLToPath(new URL('.', import.meta.url));
const bin = (name) => join(clients, 'node_modules', '.bin', name);
const tmp = mkdtempSync(join(tmpdir(), 'gateway-codegen-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function run(file, args, env = {}) {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: clients, env: { ...process.env, GATEWAY_URL: '', KEY: '', ...env }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? (err.code ?? 1) : 0, out: `${stdout}${stderr}` }));
  });
}

// codegen runs graphql-codegen with config into dir/gql/.
async function codegen(dir, env = {}, config = 'codegen.ts') {
  return run(bin('graphql-codegen'), ['--config', config], { CODEGEN_OUT: join(dir, 'gql') + '/', ...env });
}

// typecheck runs tsc --strict --noEmit over dir/gql/*.ts and usage.ts; bare
// imports resolve to clients/node_modules.
async function typecheck(dir) {
  cpSync(join(clients, 'codegen', 'usage.ts'), join(dir, 'usage.ts'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, target: 'es2022', module: 'esnext', moduleResolution: 'bundler',
      lib: ['es2022'], types: [], baseUrl: '.', paths: { '*': [join(clients, 'node_modules', '*')] },
    },
    include: ['usage.ts', 'gql/*.ts'],
  }));
  return run(bin('tsc'), ['-p', dir, '--strict', '--noEmit']);
}

// variant writes a config that is codegen.ts with its scalar mapping
// replaced (undefined: removed).
function variant(name, scalars) {
  const file = join(tmp, `${name}.codegen.ts`);
  writeFileSync(file, `import config from ${JSON.stringify(join(clients, 'codegen.ts'))};
const target = Object.values(config.generates)[0] as { config: Record<string, unknown> };
target.config = { ...target.config, scalars: ${JSON.stringify(scalars)} };
export default config;
`);
  return file;
}

test('the catalog document is the README\'s catalog query', () => {
  const readme = readFileSync(join(clients, '..', 'README.md'), 'utf8');
  const catalog = readme.match(/```graphql\n(query Catalog[\s\S]*?)```/)[1];
  assert.equal(readFileSync(join(clients, 'codegen', 'catalog.graphql'), 'utf8'), catalog,
    'clients/codegen/catalog.graphql differs from the README\'s catalog query');
});

test('from the committed schema.graphql: typed documents compile with tsc --strict, scalars as string', async () => {
  const dir = join(tmp, 'file');
  const gen = await codegen(dir);
  assert.equal(gen.code, 0, gen.out);
  const types = readFileSync(join(dir, 'gql', 'graphql.ts'), 'utf8');
  for (const s of ['Decimal', 'Date', 'DateTime']) {
    assert.match(types, new RegExp(`\\b${s}: \\{ input: string; output: string; \\}`), `Scalars['${s}'] is string both ways`);
  }
  const tsc = await typecheck(dir);
  assert.equal(tsc.code, 0, tsc.out);
});

test('from a running gateway (GATEWAY_URL, KEY): the same typed documents compile', async () => {
  assert.ok(process.env.GATEWAY_URL, 'GATEWAY_URL is not set: point it at a gateway\'s /graphql (server/codegen_test.go does)');
  const dir = join(tmp, 'url');
  const gen = await codegen(dir, { GATEWAY_URL: process.env.GATEWAY_URL, KEY: process.env.KEY ?? '' });
  assert.equal(gen.code, 0, gen.out);
  const tsc = await typecheck(dir);
  assert.equal(tsc.code, 0, tsc.out);
});

test('without the scalar mapping, strictScalars fails codegen naming the scalar', async () => {
  const gen = await codegen(join(tmp, 'strict'), {}, variant('strict', {}));
  assert.notEqual(gen.code, 0, `codegen passed without a scalar mapping:\n${gen.out}`);
  assert.match(gen.out, /Unknown scalar type (Decimal|Date|DateTime)/);
});

// The generated code of the committed-schema test, with Decimal's mapping
// rewritten to what codegen gives without one: usage.ts must not compile.
for (const type of ['unknown', 'any']) {
  test(`with Decimal as ${type}, usage.ts does not compile`, async () => {
    const from = join(tmp, 'file', 'gql');
    assert.ok(existsSync(from), 'the committed-schema test did not generate');
    const dir = join(tmp, type);
    cpSync(from, join(dir, 'gql'), { recursive: true });
    const file = join(dir, 'gql', 'graphql.ts');
    const mapped = 'Decimal: { input: string; output: string; }';
    const types = readFileSync(file, 'utf8');
    assert.ok(types.includes(mapped), `${mapped} not in the generated code`);
    writeFileSync(file, types.replace(mapped, `Decimal: { input: ${type}; output: ${type}; }`));
    const tsc = await typecheck(dir);
    assert.notEqual(tsc.code, 0, `usage.ts compiled with Decimal as ${type}`);
    assert.match(tsc.out, /usage\.ts\(\d+,\d+\): error TS/);
  });
}
