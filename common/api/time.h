#pragma once
// Wall-clock timestamps as the Kubernetes API writes them (RFC 3339).
//
// Time is metav1.Time: it keeps full precision in memory but is written with whole seconds
// in UTC ("2026-11-27T16:25:49Z"). MicroTime is metav1.MicroTime (Lease renewTime, Event
// eventTime): written with six fraction digits ("2026-11-27T16:25:49.123456Z").
// parse() accepts "Z"/"z" or a numeric offset (+hh:mm / -hh:mm), 'T' or 't' as separator and
// any number of fraction digits (beyond nanoseconds they are truncated). Errors are EINVAL
// naming the offending text. Values are plain data; safe to copy between threads.

#include <chrono>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/api/json_io.h"
#include "common/base/status.h"

namespace orch::api {

using WallTime = std::chrono::system_clock::time_point;

// Parses an RFC 3339 timestamp into a UTC time point (nanosecond precision).
Result<WallTime> parseRfc3339(std::string_view text);
// Formats in UTC with `fraction_digits` (0..9) digits after the seconds.
std::string formatRfc3339(WallTime t, int fraction_digits);

class Time {
 public:
  Time() = default;  // the Unix epoch
  explicit Time(WallTime t) : t_(t) {}
  static Time fromUnixSeconds(int64_t s) { return Time(WallTime(std::chrono::seconds(s))); }
  static Result<Time> parse(std::string_view text);

  WallTime timePoint() const { return t_; }
  int64_t unixSeconds() const;
  // Seconds precision, UTC: "2026-11-27T16:25:49Z".
  std::string format() const { return formatRfc3339(t_, 0); }
  // The value as the API writes it (seconds precision), so it compares equal after a round trip.
  Time truncated() const;

  friend auto operator<=>(const Time&, const Time&) = default;
  friend bool operator==(const Time&, const Time&) = default;

 private:
  WallTime t_{};
};

class MicroTime {
 public:
  MicroTime() = default;
  explicit MicroTime(WallTime t) : t_(t) {}
  static Result<MicroTime> parse(std::string_view text);

  WallTime timePoint() const { return t_; }
  // Microsecond precision, UTC: "2026-11-27T16:25:49.123456Z".
  std::string format() const { return formatRfc3339(t_, 6); }

  friend auto operator<=>(const MicroTime&, const MicroTime&) = default;
  friend bool operator==(const MicroTime&, const MicroTime&) = default;

 private:
  WallTime t_{};
};

// JSON: a string; decode errors name the field path.
Status decodeJson(const Json& j, const FieldPath& p, Time& out);
Json encodeJson(const Time& v);
Status decodeJson(const Json& j, const FieldPath& p, MicroTime& out);
Json encodeJson(const MicroTime& v);

}  // namespace orch::api
