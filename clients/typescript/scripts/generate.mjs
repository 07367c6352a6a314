// Generates TypeScript message types and service descriptors from proto/
// with Debian's protoc and @bufbuild/protoc-gen-es. The output (gen/) is a
// build product: never committed, never edited by hand.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, "..");
const protoRoot = join(pkg, "..", "..", "proto");
const out = join(pkg, "gen");
const plugin = join(pkg, "node_modules", ".bin", "protoc-gen-es");

const files = [
  "portcullis/v1/action.proto",
  "portcullis/v1/decision.proto",
  "portcullis/v1/gate.proto",
  "portcullis/v1/admin.proto",
  "portcullis/ledger/v1/export.proto",
];

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
execFileSync(
  process.env.PROTOC ?? "protoc",
  [
    `--plugin=protoc-gen-es=${plugin}`,
    `--proto_path=${protoRoot}`,
    `--es_out=${out}`,
    "--es_opt=target=ts,import_extension=js",
    ...files,
  ],
  { stdio: "inherit" },
);
