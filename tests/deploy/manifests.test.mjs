// Validates deploy/kubernetes offline against the Kubernetes OpenAPI schemas
// (kubernetes-models), file by file and as the overlay's kustomize build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import { unknownFields } from './field_names.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const deploy = join(here, '../../deploy/kubernetes');
const models = {
  'v1': core, 'apps/v1': apps, 'networking.k8s.io/v1': networking,
};

function validate(doc) {
  const group = models[doc.apiVersion];
  assert.ok(group, `no model for apiVersion ${doc.apiVersion}`);
  const Model = group[doc.kind];
  assert.ok(Model, `no model for ${doc.apiVersion} ${doc.kind}`);
  new Model(doc).validate();
}

function documents(text) {
  return parseAllDocuments(text).map((d) => {
    assert.equal(d.errors.length, 0, String(d.errors[0]));
    return d.toJS();
  });
}

test('every base manifest matches the Kubernetes schemas', () => {
  const dir = join(deploy, 'base');
  for (const file of readdirSync(dir)) {
    if (file === 'kustomization.yaml') continue;
    for (const doc of documents(readFileSync(join(dir, file), 'utf8'))) {
      validate(doc);
      assert.deepEqual(unknownFields([doc]), [], file);
    }
  }
});

test('a misspelt field name fails', () => {
  const bad = documents(readFileSync(join(here, 'fixtures/misspelt-field.yaml'), 'utf8'));
  validate(bad[0]);  // kubernetes-models alone lets it by
  const complaints = unknownFields(bad);
  assert.equal(complaints.length, 1);
  assert.match(complaints[0], /securityContex/);
});

test('a manifest with a wrong value fails validation', () => {
  const bad = documents(readFileSync(join(here, 'fixtures/bad-deployment.yaml'), 'utf8'));
  assert.throws(() => validate(bad[0]));
});

test('the example overlay builds with kustomize and every object validates',
  { skip: !hasKubectl() && 'kubectl (with kustomize) is not installed' }, () => {
    const out = execFileSync('kubectl', ['kustomize', join(deploy, 'overlays/example')],
      { encoding: 'utf8' });
    const docs = documents(out);
    assert.ok(docs.length >= 6);
    assert.deepEqual(unknownFields(docs), []);
    for (const doc of docs) {
      validate(doc);
      if (doc.metadata) assert.equal(doc.metadata.namespace, 'agents');
    }
    const deployment = docs.find((d) => d.kind === 'Deployment');
    const sidecar = deployment.spec.template.spec.initContainers.find((c) => c.name === 'portcullis');
    assert.equal(sidecar.restartPolicy, 'Always');
    assert.equal(sidecar.image, 'registry.example.com/portcullis:0.1.0');
    for (const c of [...deployment.spec.template.spec.initContainers,
      ...deployment.spec.template.spec.containers]) {
      assert.equal(c.securityContext.allowPrivilegeEscalation, false, c.name);
      assert.equal(c.securityContext.readOnlyRootFilesystem, true, c.name);
      assert.deepEqual(c.securityContext.capabilities.drop, ['ALL'], c.name);
    }
  });

function hasKubectl() {
  try { execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' }); return true; } catch { return false; }
}
