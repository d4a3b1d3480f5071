// GET ...?watch=1: initial events (for resourceVersion "" or "0"), then the changes from the
// resource's watch cache, filtered by the request's selectors, as newline-delimited JSON
// watch events on a chunked response. Runs on a WatchStreams thread per watch.

#include <chrono>
#include <random>

#include "common/api/codec.h"
#include "controlplane/apiserver/registry/field_attributes.h"
#include "controlplane/apiserver/registry/handlers.h"
#include "controlplane/apiserver/registry/stored_object.h"
#include "controlplane/apiserver/registry/table_convert.h"

namespace orch::apiserver {

namespace {

using Clock = std::chrono::steady_clock;

// How often an idle watch that allows bookmarks gets one (upstream: about a minute).
constexpr auto kBookmarkInterval = std::chrono::seconds(10);

// Which objects a watch delivers.
struct WatchFilter {
  const ResourceInfo* r = nullptr;
  api::Selector labels;
  api::FieldSelector fields;
  std::string name;  // a watch of one object
  bool trivial() const { return labels.empty() && fields.empty() && name.empty(); }
  bool matches(const api::Json& obj) const {
    if (!name.empty() && metaString(obj, "name") != name) return false;
    if (!labels.empty() && !labels.matches(labelsOf(obj))) return false;
    return matchesFields(*r, obj, fields);
  }
};

std::string eventLine(const char* type, const std::string& object_text) {
  std::string s;
  s.reserve(object_text.size() + 32);
  s += "{\"type\":\"";
  s += type;
  s += "\",\"object\":";
  s += object_text;
  s += "}\n";
  return s;
}

std::string bookmarkLine(const ResourceInfo& r, int64_t rv, bool initial_events_end) {
  api::Json meta = {{"resourceVersion", std::to_string(rv)}};
  if (initial_events_end) meta["annotations"] = {{"k8s.io/initial-events-end", "true"}};
  api::Json obj = {{"apiVersion", r.groupVersion()}, {"kind", r.kind}, {"metadata", meta}};
  return eventLine("BOOKMARK", api::detail::dumpCompact(obj));
}

std::string errorLine(const api::ApiStatus& st) {
  return eventLine("ERROR", api::serialize(st));
}

// The watch event lines for one store event, with upstream's filter semantics: an object that
// starts matching is ADDED, one that stops matching is DELETED.
void translate(const store::Event& e, const WatchFilter& f, std::vector<std::string>& out) {
  if (e.type == store::Event::Type::kDelete) {
    if (!e.prev) return;
    if (f.trivial()) {
      out.push_back(eventLine("DELETED", storedTextWithVersion(e.prev->value, e.revision())));
      return;
    }
    auto prev = decodeStored(*e.prev);
    if (!prev.ok() || !f.matches(*prev)) return;
    setResourceVersion(*prev, e.revision());
    out.push_back(eventLine("DELETED", api::detail::dumpCompact(*prev)));
    return;
  }
  const bool created = !e.prev || e.kv.create_revision == e.kv.mod_revision;
  if (f.trivial()) {
    out.push_back(
        eventLine(created ? "ADDED" : "MODIFIED", storedTextWithVersion(e.kv.value, e.revision())));
    return;
  }
  auto now = decodeStored(e.kv);
  if (!now.ok()) return;
  bool now_matches = f.matches(*now);
  bool before_matches = false;
  if (!created && e.prev) {
    auto before = decodeStored(*e.prev);
    before_matches = before.ok() && f.matches(*before);
  }
  const char* type = nullptr;
  if (now_matches)
    type = before_matches ? "MODIFIED" : "ADDED";
  else if (before_matches)
    type = "DELETED";
  if (type != nullptr) out.push_back(eventLine(type, api::detail::dumpCompact(*now)));
}

std::chrono::seconds streamLifetime(const ListOptions& o) {
  if (o.timeout_seconds) return std::chrono::seconds(*o.timeout_seconds);
  // upstream: a random duration in [min-request-timeout, 2*min-request-timeout), so that
  // watches of many clients do not all end together.
  thread_local std::mt19937 g(std::random_device{}());
  return std::chrono::seconds(std::uniform_int_distribution<int>(1800, 3599)(g));
}

}  // namespace

Reply serveWatch(Registry& registry, ResourceStorage& storage, const ResourceRequest& rr,
                 const Request& req) {
  const ResourceInfo& r = storage.info();
  auto parsed = parseListOptions(r, req);
  if (!parsed.ok()) return toResponse(parsed.error());
  ListOptions opts = std::move(parsed.value());
  auto filter = std::make_shared<WatchFilter>();
  filter->r = &r;
  filter->labels = opts.label_selector;
  filter->fields = opts.field_selector;
  filter->name = rr.name;
  if (auto n = opts.field_selector.requiresExactMatch("metadata.name"); n && filter->name.empty())
    filter->name = *n;
  // A watch of one object starts from that key; the name filter drops longer names.
  const std::string key_prefix =
      filter->name.empty() ? collectionPrefix(r, rr.ns) : objectKey(r, rr.ns, filter->name);

  auto cache = registry.watchCache(r);
  if (!cache.ok()) return toResponse(internalError(cache.status()));

  // "" and "0" start with the current state as ADDED events (unless sendInitialEvents=false).
  auto initial = std::make_shared<std::vector<std::string>>();
  int64_t from = opts.resource_version.value_or(0);
  const bool send_initial = opts.send_initial_events.value_or(from == 0);
  if (send_initial) {
    ListOptions lo = opts;
    lo.limit = 0;
    lo.continue_token.clear();
    lo.resource_version.reset();
    lo.resource_version_match.clear();
    auto page = storage.list(rr.ns, lo);
    if (!page.ok()) return toResponse(page.error());
    for (std::string& item : page->items) {
      if (!filter->name.empty()) {
        auto obj = api::detail::parseJsonText(item);
        if (!obj.ok() || metaString(*obj, "name") != filter->name) continue;
      }
      initial->push_back(eventLine("ADDED", item));
    }
    from = page->revision;
  } else if (from == 0) {
    auto rev = storage.store().currentRevision();
    if (!rev.ok()) return toResponse(internalError(rev.status()));
    from = *rev;
  }

  std::shared_ptr<CacheWatch> watch;
  api::ApiStatus start_error;
  {
    auto w = (*cache)->watch(key_prefix, from);
    if (w.ok()) {
      watch = std::move(w).value();
    } else if (store::isCompacted(w.status())) {
      start_error = goneError("too old resource version: " + std::to_string(from)).status;
    } else {
      return toResponse(internalError(w.status()));
    }
  }

  StreamResponse sr;
  sr.content_type = "application/json";
  const bool bookmarks = opts.allow_bookmarks;
  const bool initial_end_marker = bookmarks && opts.send_initial_events.value_or(false);
  const auto lifetime = streamLifetime(opts);
  // kubectl get -w asks for Tables: every event's object becomes a one-row Table.
  std::function<std::string(std::string)> shape = [](std::string line) { return line; };
  if (wantsTable(req)) {
    const std::string include = req.queryParam("includeObject").value_or("Metadata");
    shape = [&r, include](std::string line) {
      auto ev = api::detail::parseJsonText(line);
      if (!ev.ok() || !(*ev)["object"].is_object() || (*ev)["type"] == "ERROR" ||
          (*ev)["type"] == "BOOKMARK")
        return line;
      api::Json obj = std::move((*ev)["object"]);
      (*ev)["object"] = toTable(r, {obj}, metaString(obj, "resourceVersion"), "", include);
      return api::detail::dumpCompact(*ev) + "\n";
    };
  }
  sr.start = [&registry, &r, filter, initial, watch, start_error, bookmarks, initial_end_marker,
              lifetime, from, shape](std::shared_ptr<StreamSink> sink) {
    registry.streams().start([=, &r](const std::atomic<bool>& stopping) {
      if (!watch) {
        sink->write(errorLine(start_error));
        sink->end();
        return;
      }
      for (const std::string& line : *initial)
        if (!sink->write(shape(line))) return;
      if (initial_end_marker) sink->write(bookmarkLine(r, from, true));
      const auto deadline = Clock::now() + lifetime;
      auto last_sent = Clock::now();
      std::vector<std::string> lines;
      while (!stopping && !sink->closed() && Clock::now() < deadline) {
        auto batch = watch->next(std::chrono::milliseconds(500));
        if (!batch.ok()) {
          if (store::isCompacted(batch.status()))
            sink->write(errorLine(goneError("too old resource version").status));
          break;
        }
        lines.clear();
        for (const store::Event& e : *batch) translate(e, *filter, lines);
        for (std::string& l : lines) {
          if (!sink->write(shape(std::move(l)))) break;
          last_sent = Clock::now();
        }
        if (bookmarks && Clock::now() - last_sent >= kBookmarkInterval) {
          sink->write(bookmarkLine(r, watch->bookmarkRevision(), false));
          last_sent = Clock::now();
        }
      }
      watch->cancel();
      sink->end();
    });
  };
  return sr;
}

}  // namespace orch::apiserver
