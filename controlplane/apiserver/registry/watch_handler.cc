// GET ...?watch=1: initial events (for resourceVersion "" or "0"), then the changes from the
// resource's watch cache, filtered by the request's selectors, as newline-delimited JSON
// watch events on a chunked response, fed by the registry's WatchStreams pump.

#include <chrono>
#include <functional>
#include <random>

#include "common/api/codec.h"
#include "controlplane/apiserver/registry/handlers.h"
#include "controlplane/apiserver/registry/stored_object.h"
#include "controlplane/apiserver/registry/table_convert.h"
#include "controlplane/apiserver/registry/watch_events.h"

namespace orch::apiserver {

namespace {

using Clock = std::chrono::steady_clock;

// How often an idle watch that allows bookmarks gets one (upstream: about a minute).
constexpr auto kBookmarkInterval = std::chrono::seconds(10);

// What a watcher's events look like on the wire: the shared line itself, or (for kubectl's
// Tables) a line of its own.
using Shape = std::function<SharedText(SharedText)>;

// One open watch response, serviced by the registry's WatchStreams pump whenever its cache
// watch has events (and twice a second for the deadline and bookmarks).
class WatchStream final : public WatchStreams::Stream {
 public:
  WatchStream(const ResourceInfo& r, std::shared_ptr<const WatchFilter> filter,
              std::shared_ptr<CacheWatch> watch, std::shared_ptr<StreamSink> sink, Shape shape,
              bool bookmarks, Clock::time_point deadline)
      : r_(r),
        filter_(std::move(filter)),
        watch_(std::move(watch)),
        sink_(std::move(sink)),
        shape_(std::move(shape)),
        bookmarks_(bookmarks),
        deadline_(deadline),
        last_sent_(Clock::now()) {}

  bool service(Clock::time_point now) override {
    if (sink_->closed()) {
      watch_->cancel();  // the client went away (or read too slowly)
      return false;
    }
    auto batch = watch_->nextShared(std::chrono::milliseconds(0));
    if (!batch.ok()) {
      if (store::isCompacted(batch.status()))
        sink_->write(errorLine(goneError("too old resource version").status));
      stop();
      return false;
    }
    lines_.clear();
    for (const SharedEvent& e : *batch) translate(*e, *filter_, lines_);
    for (SharedText& l : lines_) {
      if (!sink_->write(shape_(std::move(l)))) {
        watch_->cancel();
        return false;
      }
      last_sent_ = now;
    }
    if (now >= deadline_) {
      stop();
      return false;
    }
    if (bookmarks_ && now - last_sent_ >= kBookmarkInterval) {
      sink_->write(bookmarkLine(r_, watch_->bookmarkRevision(), false));
      last_sent_ = now;
    }
    return true;
  }

  void stop() override {
    watch_->cancel();
    sink_->end();
  }

 private:
  const ResourceInfo& r_;
  const std::shared_ptr<const WatchFilter> filter_;
  const std::shared_ptr<CacheWatch> watch_;
  const std::shared_ptr<StreamSink> sink_;
  const Shape shape_;
  const bool bookmarks_;
  const Clock::time_point deadline_;
  Clock::time_point last_sent_;
  std::vector<SharedText> lines_;
};

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

  auto cache = registry.watchCache(r, opts.resource_version.value_or(0));
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
  Shape shape = [](SharedText line) { return line; };
  if (wantsTable(req)) {
    const std::string include = req.queryParam("includeObject").value_or("Metadata");
    shape = [&r, include](SharedText line) -> SharedText {
      auto ev = api::detail::parseJsonText(*line);
      if (!ev.ok() || !(*ev)["object"].is_object() || (*ev)["type"] == "ERROR" ||
          (*ev)["type"] == "BOOKMARK")
        return line;
      api::Json obj = std::move((*ev)["object"]);
      (*ev)["object"] = toTable(r, {obj}, metaString(obj, "resourceVersion"), "", include);
      return std::make_shared<const std::string>(api::detail::dumpCompact(*ev) + "\n");
    };
  }
  sr.start = [&registry, &r, filter, initial, watch, start_error, bookmarks, initial_end_marker,
              lifetime, from, shape](std::shared_ptr<StreamSink> sink) {
    if (!watch) {
      sink->write(errorLine(start_error));
      sink->end();
      return;
    }
    for (const std::string& line : *initial) {
      if (!sink->write(shape(std::make_shared<const std::string>(line)))) {
        watch->cancel();
        return;
      }
    }
    if (initial_end_marker) sink->write(bookmarkLine(r, from, true));
    auto stream = std::make_shared<WatchStream>(r, filter, watch, sink, shape, bookmarks,
                                                Clock::now() + lifetime);
    auto wake = registry.streams().add(std::move(stream));
    sink->onClose(wake);
    watch->setWakeup(std::move(wake));
  };
  return sr;
}

}  // namespace orch::apiserver
