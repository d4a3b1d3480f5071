#include "common/client/rest_client.h"

#include <nlohmann/json.hpp>

#include "common/client/watch_decoder.h"

namespace orch::client {

std::string_view patchContentType(PatchType t) {
  switch (t) {
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kJson:
      return "application/json-patch+json";
    case PatchType::kStrategicMerge:
      return "application/strategic-merge-patch+json";
  }
  return "application/merge-patch+json";
}

std::string urlEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

namespace {

void addParam(std::string& q, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  q += q.empty() ? '?' : '&';
  q += key;
  q += '=';
  q += urlEncode(value);
}

}  // namespace

std::string listQuery(const ListOptions& o) {
  std::string q;
  addParam(q, "labelSelector", o.labelSelector);
  addParam(q, "fieldSelector", o.fieldSelector);
  addParam(q, "resourceVersion", o.resourceVersion);
  addParam(q, "resourceVersionMatch", o.resourceVersionMatch);
  if (o.limit > 0) addParam(q, "limit", std::to_string(o.limit));
  addParam(q, "continue", o.continue_);
  if (o.timeoutSeconds) addParam(q, "timeoutSeconds", std::to_string(*o.timeoutSeconds));
  return q;
}

std::string watchQuery(const WatchOptions& o) {
  std::string q = "?watch=1";
  addParam(q, "labelSelector", o.labelSelector);
  addParam(q, "fieldSelector", o.fieldSelector);
  addParam(q, "resourceVersion", o.resourceVersion);
  if (o.allowWatchBookmarks) addParam(q, "allowWatchBookmarks", "true");
  if (o.timeoutSeconds) addParam(q, "timeoutSeconds", std::to_string(*o.timeoutSeconds));
  return q;
}

std::string deleteBody(const DeleteOptions& o) {
  nlohmann::json j = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (o.gracePeriodSeconds) j["gracePeriodSeconds"] = *o.gracePeriodSeconds;
  if (o.preconditionUid) j["preconditions"]["uid"] = *o.preconditionUid;
  if (o.preconditionResourceVersion) {
    j["preconditions"]["resourceVersion"] = *o.preconditionResourceVersion;
  }
  if (!o.propagationPolicy.empty()) j["propagationPolicy"] = o.propagationPolicy;
  return j.dump();
}

std::string resourcePath(std::string_view group, std::string_view version, std::string_view plural,
                         bool namespaced, std::string_view ns, std::string_view name,
                         std::string_view subresource) {
  std::string p = group.empty() ? "/api/" + std::string(version)
                                : "/apis/" + std::string(group) + "/" + std::string(version);
  if (namespaced && !ns.empty()) p += "/namespaces/" + urlEncode(ns);
  p += "/" + std::string(plural);
  if (!name.empty()) {
    p += "/" + urlEncode(name);
    if (!subresource.empty()) p += "/" + std::string(subresource);
  }
  return p;
}

RestClient::RestClient(std::unique_ptr<HttpClient> http, Options opts)
    : http_(std::move(http)),
      opts_(opts),
      clock_(opts.clock != nullptr ? opts.clock : &realClock()) {}

Result<std::unique_ptr<RestClient>> RestClient::create(const RestConfig& config, Options opts) {
  ORCH_ASSIGN_OR_RETURN(auto http, HttpClient::create(config, opts.http));
  return std::unique_ptr<RestClient>(new RestClient(std::move(http), opts));
}

Result<HttpResponse> RestClient::call(const std::string& method, const std::string& target,
                                      const std::string& body, const std::string& content_type,
                                      Canceller* cancel) {
  HttpRequest req;
  req.method = method;
  req.target = target;
  req.body = body;
  req.contentType = body.empty() ? "" : content_type;
  const std::string what = method + " " + target;
  for (int attempt = 0;; ++attempt) {
    auto res = http_->request(req, cancel);
    if (!res.ok()) return res.status().withContext(what);
    if (res->status >= 200 && res->status < 300) return res;
    auto retry_after = res->retryAfter();
    const bool retryable = res->status == 429 || (res->status == 503 && retry_after);
    if (!retryable || attempt >= opts_.maxRetries) return statusFromResponse(*res, what);
    auto delay = std::min<std::chrono::seconds>(retry_after.value_or(std::chrono::seconds(1)),
                                                opts_.maxRetryDelay);
    clock_->sleepUntil(clock_->now() + delay);
  }
}

Status RestClient::watchRaw(const std::string& target, std::chrono::milliseconds idle_timeout,
                            const std::function<bool(api::WatchEvent&&)>& on_event,
                            Canceller* cancel) {
  HttpRequest req;
  req.target = target;
  req.timeout = idle_timeout;
  const std::string what = "watch " + target;
  WatchDecoder decoder;
  Status stop;  // an ERROR event or a decode error ends the stream with this
  auto res = http_->stream(
      req,
      [&](std::string_view bytes) {
        auto events = decoder.feed(bytes);
        if (!events.ok()) {
          stop = events.status().withContext(what);
          return false;
        }
        for (auto& ev : *events) {
          if (ev.type == "ERROR") {
            auto s = api::decode<api::ApiStatus>(ev.object);
            if (!s.ok()) {
              stop = s.status().withContext(what + ": ERROR event");
            } else {
              stop = statusFromApiStatus(*s, what);
            }
            return false;
          }
          if (!on_event(std::move(ev))) return false;
        }
        return true;
      },
      cancel);
  if (!stop.isOk()) return stop;
  if (!res.ok()) return res.status().withContext(what);
  if (res->status < 200 || res->status >= 300) return statusFromResponse(*res, what);
  return Status::ok();
}

}  // namespace orch::client
