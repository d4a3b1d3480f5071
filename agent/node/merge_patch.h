#pragma once
// RFC 7386 JSON merge patches computed from two documents: applying
// createMergePatch(from, to) to `from` gives `to`. Objects are diffed key by key (a key gone
// from `to` becomes null); any other changed value, arrays included, is replaced whole.
// An empty object means "no change". Pure; safe from any thread.

#include "common/api/json_io.h"

namespace orch::agent {

api::Json createMergePatch(const api::Json& from, const api::Json& to);

}  // namespace orch::agent
