// AdminServiceOptions: the Admin service's cap on calls in flight per
// principal and its worker threads (server/admin_service.h). Plain value.
#ifndef PORTCULLIS_SERVER_ADMIN_SERVICE_OPTIONS_H_
#define PORTCULLIS_SERVER_ADMIN_SERVICE_OPTIONS_H_

#include <cstddef>

namespace portcullis::server {

struct AdminServiceOptions {
  // The most Admin calls (all but TailActivity, which has a cap of its
  // own) one principal may have in flight.
  size_t max_calls_per_principal = 16;
  // Threads for the Admin calls that wait for the ledger, the secret store
  // or a reload, and how many such calls may wait for one.
  int call_threads = 2;
  size_t max_queued_calls = 256;
  // Threads for ExportLedger streams, which also wait for their reader;
  // kept apart so that slow exports never hold up Halt.
  int export_threads = 2;
  size_t max_queued_exports = 64;
};

}  // namespace portcullis::server

#endif  // PORTCULLIS_SERVER_ADMIN_SERVICE_OPTIONS_H_
