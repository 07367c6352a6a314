// Field names: kubernetes-models checks values but lets unknown fields by,
// so each document also type-checks against kubernetes-types (generated from
// the same OpenAPI schemas) with the TypeScript compiler, whose
// excess-property check names any field the schema does not have.
import ts from 'typescript';

const types = {
  'v1 ConfigMap': ['kubernetes-types/core/v1', 'ConfigMap'],
  'v1 Secret': ['kubernetes-types/core/v1', 'Secret'],
  'v1 ServiceAccount': ['kubernetes-types/core/v1', 'ServiceAccount'],
  'v1 PersistentVolumeClaim': ['kubernetes-types/core/v1', 'PersistentVolumeClaim'],
  'apps/v1 Deployment': ['kubernetes-types/apps/v1', 'Deployment'],
  'networking.k8s.io/v1 NetworkPolicy': ['kubernetes-types/networking/v1', 'NetworkPolicy'],
};

// Returns the compiler's complaints about `docs` ([] when every field is known).
export function unknownFields(docs) {
  let source = '';
  docs.forEach((doc, i) => {
    const entry = types[`${doc.apiVersion} ${doc.kind}`];
    if (!entry) throw new Error(`no type for ${doc.apiVersion} ${doc.kind}`);
    source += `import type { ${entry[1]} as T${i} } from '${entry[0]}';\n`;
    source += `export const d${i}: T${i} = ${JSON.stringify(doc)};\n`;
  });
  const name = `${process.cwd()}/__manifests__.ts`;
  const options = { strict: true, noEmit: true, module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Node10, types: [] };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile;
  host.getSourceFile = (file, lang) => file === name
    ? ts.createSourceFile(file, source, lang) : read(file, lang);
  const program = ts.createProgram([name], options, host);
  return ts.getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}
