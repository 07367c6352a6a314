// Certificates made for one test by the openssl command (installed by
// scripts/install-deps.sh) in a directory of the test's own: a CA, a
// server certificate for localhost and 127.0.0.1 and a client certificate
// that it signs, and another CA that signs nothing here. Keys are mode
// 0600; nothing outlives the directory. Not thread-safe.
#ifndef PORTCULLIS_TESTS_TESTING_TEST_CERTIFICATES_H_
#define PORTCULLIS_TESTS_TESTING_TEST_CERTIFICATES_H_

#include <cstdlib>
#include <string>

#include "tests/testing/temp_dir.h"

namespace portcullis::testing {

class TestCertificates {
 public:
  // Makes them all in `dir`; check made().
  explicit TestCertificates(const TempDir& dir) : dir_(dir) {
    const std::string key =
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes ";
    const std::string script =
        "set -e; cd '" + dir.path().string() +
        "'; umask 077; "
        // Two CAs.
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
        "-nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=test-ca; "
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
        "-nodes -keyout other-ca.key -out other-ca.crt -days 2 "
        "-subj /CN=other-ca; " +
        // The server's, for localhost and 127.0.0.1.
        key +
        "-keyout server.key -out server.csr -subj /CN=localhost; "
        "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' > server.ext; "
        "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key "
        "-CAcreateserial -out server.crt -days 2 -extfile server.ext; " +
        // The client's.
        key +
        "-keyout client.key -out client.csr -subj /CN=gate; "
        "printf 'extendedKeyUsage=clientAuth' > client.ext; "
        "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key "
        "-CAcreateserial -out client.crt -days 2 -extfile client.ext; "
        "chmod 644 ca.crt other-ca.crt server.crt client.crt";
    made_ = std::system(("(" + script + ") 2>/dev/null").c_str()) == 0;
  }

  bool made() const { return made_; }
  std::string ca() const { return dir_.Sub("ca.crt"); }
  std::string other_ca() const { return dir_.Sub("other-ca.crt"); }
  std::string server_cert() const { return dir_.Sub("server.crt"); }
  std::string server_key() const { return dir_.Sub("server.key"); }
  std::string client_cert() const { return dir_.Sub("client.crt"); }
  std::string client_key() const { return dir_.Sub("client.key"); }

 private:
  const TempDir& dir_;
  bool made_ = false;
};

}  // namespace portcullis::testing

#endif  // PORTCULLIS_TESTS_TESTING_TEST_CERTIFICATES_H_
