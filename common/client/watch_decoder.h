#pragma once
// Splits a watch response body into events. The API server writes one JSON object per line
// ({"type":"ADDED","object":{...}}\n); HTTP chunk boundaries fall anywhere, so the decoder
// buffers a partial line across feed() calls.
//
// Not thread-safe (one decoder per stream). Errors: EINVAL naming the event number and the
// problem (malformed JSON, unknown type, missing object). After an error the decoder is in an
// undefined state; drop the stream.

#include <string>
#include <string_view>
#include <vector>

#include "common/api/watch_event.h"
#include "common/base/status.h"

namespace orch::client {

class WatchDecoder {
 public:
  // Appends bytes; returns the events completed by them, in order (possibly none).
  Result<std::vector<api::WatchEvent>> feed(std::string_view bytes);
  // At the end of the stream: an error if a non-blank partial line is left over.
  Status finish() const;
  // Bytes buffered of an incomplete line.
  size_t pending() const { return buf_.size(); }
  // Events decoded so far.
  size_t decoded() const { return count_; }

 private:
  Status decodeLine(std::string_view line, std::vector<api::WatchEvent>& out);
  std::string buf_;
  size_t count_ = 0;
};

// Whether `type` is one of ADDED, MODIFIED, DELETED, BOOKMARK, ERROR.
bool isWatchEventType(std::string_view type);

}  // namespace orch::client
