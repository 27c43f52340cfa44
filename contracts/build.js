#!/usr/bin/env node
// Compile contracts/src/*.sol with the pinned npm solc (standard JSON) and write
// contracts/artifacts/<Name>.json (abi, bytecode). Reproducible: fixed compiler version,
// optimizer and evmVersion; imports resolve from node_modules only.
//   node contracts/build.js           write the artifacts
//   node contracts/build.js --check   exit 1 when the committed artifacts differ from the sources
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const ROOT = path.resolve(__dirname, '..');
const SRC = path.join(__dirname, 'src');
const OUT = path.join(__dirname, 'artifacts');
const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'prague',
  viaIR: false,
  metadata: { bytecodeHash: 'ipfs' },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};
const EXPECTED_COMPILER = require(path.join(ROOT, 'package.json')).devDependencies.solc;

function findImports(importPath) {
  const candidates = [path.join(ROOT, 'node_modules', importPath), path.join(ROOT, importPath)];
  for (const file of candidates) {
    if (fs.existsSync(file)) return { contents: fs.readFileSync(file, 'utf8') };
  }
  return { error: `import not found: ${importPath}` };
}

function compile() {
  const version = solc.version();
  if (!version.startsWith(EXPECTED_COMPILER + '+')) {
    throw new Error(`solc ${version} is installed but package.json pins ${EXPECTED_COMPILER}; run npm ci`);
  }
  const sources = {};
  for (const name of fs.readdirSync(SRC).filter((f) => f.endsWith('.sol')).sort()) {
    sources[`contracts/src/${name}`] = { content: fs.readFileSync(path.join(SRC, name), 'utf8') };
  }
  const input = { language: 'Solidity', sources, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  for (const e of output.errors || []) process.stderr.write(e.formattedMessage + '\n');
  if (errors.length) throw new Error(`${errors.length} compilation error(s)`);
  const artifacts = {};
  for (const file of Object.keys(sources)) {
    for (const [name, c] of Object.entries(output.contracts[file] || {})) {
      artifacts[name] = {
        contractName: name,
        sourceName: file,
        compiler: { version, settings: { optimizer: SETTINGS.optimizer, evmVersion: SETTINGS.evmVersion } },
        abi: c.abi,
        bytecode: '0x' + c.evm.bytecode.object,
        deployedBytecode: '0x' + c.evm.deployedBytecode.object,
      };
    }
  }
  return artifacts;
}

function render(artifact) {
  return JSON.stringify(artifact, null, 2) + '\n';
}

function main() {
  const check = process.argv.includes('--check');
  const artifacts = compile();
  const names = Object.keys(artifacts).filter((n) => n !== 'IIdentityRegistry').sort();
  if (check) {
    const problems = [];
    const committed = fs.existsSync(OUT) ? fs.readdirSync(OUT).filter((f) => f.endsWith('.json')) : [];
    for (const name of names) {
      const file = path.join(OUT, `${name}.json`);
      if (!fs.existsSync(file)) problems.push(`${name}: no committed artifact`);
      else if (fs.readFileSync(file, 'utf8') !== render(artifacts[name])) problems.push(`${name}: artifact differs from sources`);
    }
    for (const f of committed) {
      if (!names.includes(path.basename(f, '.json'))) problems.push(`${f}: artifact without a source`);
    }
    if (problems.length) {
      process.stderr.write(problems.join('\n') + '\nRun: node contracts/build.js\n');
      process.exit(1);
    }
    process.stdout.write(`artifacts match the sources (${names.join(', ')})\n`);
    return;
  }
  fs.mkdirSync(OUT, { recursive: true });
  for (const name of names) fs.writeFileSync(path.join(OUT, `${name}.json`), render(artifacts[name]));
  process.stdout.write(`wrote ${names.length} artifacts with solc ${solc.version()}: ${names.join(', ')}\n`);
}

main();
