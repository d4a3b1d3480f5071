#include "common/client/watch_decoder.h"

#include "common/api/codec.h"

namespace orch::client {

bool isWatchEventType(std::string_view t) {
  return t == "ADDED" || t == "MODIFIED" || t == "DELETED" || t == "BOOKMARK" || t == "ERROR";
}

Status WatchDecoder::decodeLine(std::string_view line, std::vector<api::WatchEvent>& out) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) return Status::ok();
  const std::string where = "watch event " + std::to_string(count_ + 1);
  auto ev = api::parse<api::WatchEvent>(line);
  if (!ev.ok()) return ev.status().withContext(where);
  if (!isWatchEventType(ev->type)) {
    return Status::invalid(where + ": type: unknown event type \"" + ev->type + "\"");
  }
  if (!ev->object.is_object()) return Status::invalid(where + ": object: expected an object");
  ++count_;
  out.push_back(std::move(ev).value());
  return Status::ok();
}

Result<std::vector<api::WatchEvent>> WatchDecoder::feed(std::string_view bytes) {
  std::vector<api::WatchEvent> out;
  size_t start = 0;
  while (true) {
    size_t nl = bytes.find('\n', start);
    if (nl == std::string_view::npos) break;
    std::string_view piece = bytes.substr(start, nl - start);
    if (buf_.empty()) {
      ORCH_RETURN_IF_ERROR(decodeLine(piece, out));
    } else {
      buf_.append(piece);
      std::string line = std::move(buf_);
      buf_.clear();
      ORCH_RETURN_IF_ERROR(decodeLine(line, out));
    }
    start = nl + 1;
  }
  buf_.append(bytes.substr(start));
  return out;
}

Status WatchDecoder::finish() const {
  if (buf_.find_first_not_of(" \t\r") != std::string::npos) {
    return Status::invalid("watch event " + std::to_string(count_ + 1) +
                           ": stream ended inside an event (" + std::to_string(buf_.size()) +
                           " bytes)");
  }
  return Status::ok();
}

}  // namespace orch::client
