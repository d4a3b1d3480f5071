#pragma once
// The real ConntrackCleaner: dumps the family's conntrack table over ctnetlink
// (libnetfilter_conntrack), keeps the UDP and SCTP entries that StaleEntryMatcher
// (stale_entries.h) calls stale, and deletes them one by one.
//
// Namespace: each cleanStaleEntries() opens its ctnetlink socket on the calling thread,
// so it acts on that thread's network namespace (call it inside NetNs::run for another).
// An entry that vanishes between the dump and its deletion is not an error.
// Errors: "dump conntrack table: EPERM", "delete conntrack entry udp 10.96.0.10:53: ...".
// Not thread-safe per call site; holds no state between calls.

#include <memory>

#include "proxy/core/conntrack_cleaner.h"

namespace orch::proxy {

std::unique_ptr<ConntrackCleaner> newCtnetlinkConntrackCleaner();

}  // namespace orch::proxy
