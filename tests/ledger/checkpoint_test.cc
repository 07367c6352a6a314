#include "ledger/checkpoint.h"

#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "crypto/key_file.h"
#include "crypto/sha256.h"

namespace portcullis::ledger {
namespace {

crypto::SigningKey TestKey() {
  return *crypto::SigningKey::FromSeed(std::string(32, '\x07'));
}

Checkpoint Sample() {
  Checkpoint c;
  c.tenant = "al-noor";
  c.size = 1204;
  c.root = crypto::Sha256("root");
  c.head = crypto::Sha256("head");
  c.time = absl::FromUnixSeconds(1767528000) + absl::Nanoseconds(5);
  return c;
}

TEST_CASE("a checkpoint is a signed note in the tlog-checkpoint format",
          "[checkpoint]") {
  crypto::SigningKey key = TestKey();
  std::string note = SignCheckpoint(Sample(), key);
  std::string id = crypto::KeyId(key.verifying_key());
  std::vector<std::string> lines = absl::StrSplit(note, '\n');
  REQUIRE(lines.size() == 8);
  CHECK(lines[0] == "portcullis/checkpoint/v1/" + id + "/al-noor");
  CHECK(lines[1] == "1204");
  CHECK(lines[2] ==
        absl::Base64Escape(crypto::AsBytes(crypto::Sha256("root"))));
  CHECK(lines[3] ==
        "head " + absl::Base64Escape(crypto::AsBytes(crypto::Sha256("head"))));
  CHECK(lines[4] == "time 2026-01-04T12:00:00.000000005Z");
  CHECK(lines[5].empty());
  CHECK(lines[6].rfind("\xE2\x80\x94 portcullis-gate-" + id + " ", 0) == 0);
  CHECK(lines[7].empty());

  // The signature line: base64(4-byte key hash || 64-byte Ed25519 over the
  // text above the blank line), the key hash as signed-note defines it.
  std::string raw;
  REQUIRE(absl::Base64Unescape(lines[6].substr(lines[6].rfind(' ') + 1), &raw));
  REQUIRE(raw.size() == 68);
  std::string name = "portcullis-gate-" + id;
  crypto::Digest kh = crypto::Sha256(name + "\n\x01" +
                                     std::string(key.verifying_key().bytes()));
  CHECK(raw.substr(0, 4) == std::string(crypto::AsBytes(kh).substr(0, 4)));
  std::string body = note.substr(0, note.find("\n\n") + 1);
  CHECK(key.verifying_key().Verify(body, raw.substr(4)));
  // The verifier key in the note tooling's format names the same hash.
  CHECK(NoteVerifierKey(key.verifying_key()) ==
        name + "+" + absl::BytesToHexString(raw.substr(0, 4)) + "+" +
            absl::Base64Escape("\x01" +
                               std::string(key.verifying_key().bytes())));
}

TEST_CASE("a signed checkpoint parses back and verifies", "[checkpoint]") {
  crypto::SigningKey key = TestKey();
  auto parsed = ParseCheckpoint(SignCheckpoint(Sample(), key));
  REQUIRE(parsed.ok());
  CHECK(parsed->checkpoint.tenant == "al-noor");
  CHECK(parsed->checkpoint.size == 1204);
  CHECK(parsed->checkpoint.root == crypto::Sha256("root"));
  CHECK(parsed->checkpoint.head == crypto::Sha256("head"));
  CHECK(parsed->checkpoint.time == Sample().time);
  CHECK(VerifyCheckpointSignature(*parsed, key.verifying_key()));
  CHECK_FALSE(VerifyCheckpointSignature(
      *parsed, crypto::SigningKey::Generate().verifying_key()));
}

TEST_CASE("a modified checkpoint no longer verifies", "[checkpoint]") {
  crypto::SigningKey key = TestKey();
  std::string note = SignCheckpoint(Sample(), key);
  std::string edited = note;
  edited.replace(edited.find("\n1204\n"), 6, "\n1205\n");
  auto parsed = ParseCheckpoint(edited);
  REQUIRE(parsed.ok());
  CHECK_FALSE(VerifyCheckpointSignature(*parsed, key.verifying_key()));
  std::string moved = note;
  moved.replace(moved.find("/al-noor"), 8, "/acme-co");
  CHECK_FALSE(
      VerifyCheckpointSignature(*ParseCheckpoint(moved), key.verifying_key()));
}

TEST_CASE("malformed checkpoints are rejected", "[checkpoint]") {
  std::string note = SignCheckpoint(Sample(), TestKey());
  for (const std::string& bad : {
           std::string(""),
           note.substr(0, note.find("\n\n")),
           "example.com/log\n1\n" + note.substr(note.find('\n', 40)),
           std::string("portcullis/checkpoint/v1/short/t\n1\nAA==\n\n"),
           note.substr(0, note.size() - 1),
           note + "\xE2\x80\x94 other sig\n",
       }) {
    CHECK(ParseCheckpoint(bad).status().code() ==
          absl::StatusCode::kInvalidArgument);
  }
  std::string leading_zero = note;
  leading_zero.replace(leading_zero.find("\n1204\n"), 6, "\n01204\n");
  CHECK_FALSE(ParseCheckpoint(leading_zero).ok());
}

TEST_CASE("a replica's checkpoint names it in a signed extension line",
          "[checkpoint][replica]") {
  crypto::SigningKey key = TestKey();
  Checkpoint c = Sample();
  c.replica = "agent-0";
  std::string note = SignCheckpoint(c, key);
  std::vector<std::string> lines = absl::StrSplit(note, '\n');
  REQUIRE(lines.size() == 9);
  CHECK(lines[5] == "replica agent-0");
  auto parsed = ParseCheckpoint(note);
  REQUIRE(parsed.ok());
  CHECK(parsed->checkpoint.replica == "agent-0");
  CHECK(VerifyCheckpointSignature(*parsed, key.verifying_key()));
  // A note without one names no replica.
  auto unnamed = ParseCheckpoint(SignCheckpoint(Sample(), key));
  REQUIRE(unnamed.ok());
  CHECK(unnamed->checkpoint.replica.empty());
  // The line is signed: renaming the replica breaks the signature.
  std::string renamed = note;
  renamed.replace(renamed.find("replica agent-0"), 15, "replica agent-1");
  auto forged = ParseCheckpoint(renamed);
  REQUIRE(forged.ok());
  CHECK(!VerifyCheckpointSignature(*forged, key.verifying_key()));
  // Any other extension line is refused.
  std::string other = note;
  other.replace(other.find("replica agent-0"), 15, "colour blue-ish");
  CHECK(!ParseCheckpoint(other).ok());
}

}  // namespace
}  // namespace portcullis::ledger
