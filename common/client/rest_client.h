#pragma once
// Typed REST operations on any Kubernetes kind T with the api traits (kGroup, kVersion,
// kPlural, kNamespaced): get, list, create, update, updateStatus, patch, remove (DELETE) and
// watch, as client-go's typed clients.
//
// Paths: core kinds live under /api/v1, others under /apis/<group>/<version>; namespaced kinds
// under .../namespaces/<ns>/<plural>[/<name>[/<subresource>]]. For a namespaced kind an empty
// namespace means "all namespaces" for list/watch, and the config's namespace for the rest;
// for a cluster-scoped kind the namespace argument is ignored.
//
// Errors: non-2xx responses become Status values mapped as in api_errors.h (use isNotFound(),
// isConflict(), ...); a response that does not decode as T is EINVAL naming the field.
// With Options::maxRetries > 0, a 429 (or 503 with Retry-After) is retried after the delay
// the server asks for (capped by maxRetryDelay), waiting on the injected clock.
// Threads: all methods may be called concurrently (see HttpClient).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/api/codec.h"
#include "common/api/list.h"
#include "common/api/watch_event.h"
#include "common/base/clock.h"
#include "common/client/api_errors.h"
#include "common/client/http_client.h"

namespace orch::client {

struct ListOptions {
  std::string labelSelector;
  std::string fieldSelector;
  std::string resourceVersion;       // "" = most recent (quorum read), "0" = any cached
  std::string resourceVersionMatch;  // "NotOlderThan" / "Exact"
  int64_t limit = 0;                 // 0 = no paging
  std::string continue_;             // token from the previous page's metadata.continue
  std::optional<int64_t> timeoutSeconds;
};

struct WatchOptions {
  std::string labelSelector;
  std::string fieldSelector;
  std::string resourceVersion;  // start after this version ("" = now, with synthetic ADDs)
  bool allowWatchBookmarks = true;
  std::optional<int64_t> timeoutSeconds;  // the server ends the stream after this
  // Longest silence tolerated between two reads before the stream counts as dead (0: none).
  std::chrono::milliseconds idleTimeout{0};
};

struct DeleteOptions {
  std::optional<int64_t> gracePeriodSeconds;
  std::optional<std::string> preconditionUid;
  std::optional<std::string> preconditionResourceVersion;
  std::string propagationPolicy;  // "", "Orphan", "Background", "Foreground"
};

enum class PatchType {
  kMerge,           // application/merge-patch+json (RFC 7386)
  kJson,            // application/json-patch+json (RFC 6902)
  kStrategicMerge,  // application/strategic-merge-patch+json
};
std::string_view patchContentType(PatchType t);

// "a=b&c=d" with values percent-encoded.
std::string urlEncode(std::string_view s);
std::string listQuery(const ListOptions& o);
std::string watchQuery(const WatchOptions& o);
std::string deleteBody(const DeleteOptions& o);

// The collection or object path of a kind.
std::string resourcePath(std::string_view group, std::string_view version, std::string_view plural,
                         bool namespaced, std::string_view ns, std::string_view name = {},
                         std::string_view subresource = {});

class RestClient {
 public:
  struct Options {
    int maxRetries = 0;  // of 429 / 503 with Retry-After
    std::chrono::seconds maxRetryDelay{60};
    Clock* clock = nullptr;  // for the retry wait; nullptr = realClock()
    HttpClient::Options http;
  };

  static Result<std::unique_ptr<RestClient>> create(const RestConfig& config, Options opts);
  static Result<std::unique_ptr<RestClient>> create(const RestConfig& config) {
    return create(config, Options{});
  }

  const RestConfig& config() const { return http_->config(); }
  HttpClient& http() { return *http_; }
  Clock& clock() { return *clock_; }

  // Untyped: sends, retries (Options), and maps a non-2xx response to a Status.
  Result<HttpResponse> call(const std::string& method, const std::string& target,
                            const std::string& body = {}, const std::string& content_type = {},
                            Canceller* cancel = nullptr);

  // Untyped watch: streams events of `target` (a path with watch query) to on_event until the
  // stream ends (ok), on_event returns false (ok), it is cancelled (ECANCELED), the
  // connection breaks (ECONNRESET, ETIMEDOUT...) or an ERROR event arrives (its status,
  // mapped: isGone() for 410 Expired). ERROR events are not passed to on_event.
  Status watchRaw(const std::string& target, std::chrono::milliseconds idle_timeout,
                  const std::function<bool(api::WatchEvent&&)>& on_event,
                  Canceller* cancel = nullptr);

  template <api::KindType T>
  std::string pathFor(std::string_view ns, std::string_view name = {},
                      std::string_view subresource = {}) const {
    return resourcePath(T::kGroup, T::kVersion, T::kPlural, T::kNamespaced,
                        ns.empty() && !name.empty() ? std::string_view(config().namespace_) : ns,
                        name, subresource);
  }

  template <api::KindType T>
  Result<T> get(std::string_view ns, std::string_view name) {
    return decodeBody<T>(call("GET", pathFor<T>(ns, name)));
  }

  template <api::KindType T>
  Result<api::List<T>> list(std::string_view ns, const ListOptions& opts = {},
                            Canceller* cancel = nullptr) {
    return decodeBody<api::List<T>>(call("GET", pathFor<T>(ns) + listQuery(opts), {}, {}, cancel));
  }

  template <api::KindType T>
  Result<T> create(const T& obj) {
    return decodeBody<T>(
        call("POST", pathFor<T>(nsOf(obj)), api::serialize(obj), "application/json"));
  }

  // PUT of the whole object; its metadata.resourceVersion makes it conditional (409 Conflict
  // when stale).
  template <api::KindType T>
  Result<T> update(const T& obj) {
    return decodeBody<T>(call("PUT", pathFor<T>(nsOf(obj), obj.metadata.name), api::serialize(obj),
                              "application/json"));
  }

  template <api::KindType T>
  Result<T> updateStatus(const T& obj) {
    return decodeBody<T>(call("PUT", pathFor<T>(nsOf(obj), obj.metadata.name, "status"),
                              api::serialize(obj), "application/json"));
  }

  template <api::KindType T>
  Result<T> patch(std::string_view ns, std::string_view name, std::string_view patch,
                  PatchType type = PatchType::kMerge, std::string_view subresource = {}) {
    return decodeBody<T>(call("PATCH", pathFor<T>(ns, name, subresource), std::string(patch),
                              std::string(patchContentType(type))));
  }

  template <api::KindType T>
  Status remove(std::string_view ns, std::string_view name, const DeleteOptions& opts = {}) {
    auto res = call("DELETE", pathFor<T>(ns, name), deleteBody(opts), "application/json");
    return res.ok() ? Status::ok() : res.status();
  }

  // Typed watch: BOOKMARK events carry a T with only metadata.resourceVersion set.
  template <api::KindType T>
  Status watch(std::string_view ns, const WatchOptions& opts,
               const std::function<bool(const std::string& type, T&& obj)>& on_event,
               Canceller* cancel = nullptr) {
    Status decode_error;
    Status st = watchRaw(
        pathFor<T>(ns) + watchQuery(opts), opts.idleTimeout,
        [&](api::WatchEvent&& ev) {
          auto obj = api::decode<T>(ev.object);
          if (!obj.ok()) {
            decode_error = obj.status().withContext("watch " + ev.type);
            return false;
          }
          return on_event(ev.type, std::move(obj).value());
        },
        cancel);
    return decode_error.isOk() ? st : decode_error;
  }

 private:
  RestClient(std::unique_ptr<HttpClient> http, Options opts);

  template <class T>
  std::string_view nsOf(const T& obj) const {
    return obj.metadata.namespace_.empty() ? std::string_view(config().namespace_)
                                           : std::string_view(obj.metadata.namespace_);
  }

  template <class T>
  static Result<T> decodeBody(Result<HttpResponse> res) {
    if (!res.ok()) return res.status();
    auto v = api::parse<T>(res->body);
    if (!v.ok()) return v.status().withContext("decode response");
    return v;
  }

  std::unique_ptr<HttpClient> http_;
  Options opts_;
  Clock* clock_;
};

}  // namespace orch::client
