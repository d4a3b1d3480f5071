#include "common/api/time.h"

#include <cstdio>

namespace orch::api {
namespace {

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

Status bad(std::string_view text, std::string_view why) {
  return Status::invalid("invalid RFC 3339 time \"" + std::string(text) +
                         "\": " + std::string(why));
}

}  // namespace

Result<WallTime> parseRfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, month) ||
      s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') ||
      !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' ||
      !digits(s, 17, 2, second)) {
    return bad(s, "expected YYYY-MM-DDTHH:MM:SS");
  }
  std::chrono::year_month_day ymd{std::chrono::year(year), std::chrono::month(month),
                                  std::chrono::day(day)};
  if (!ymd.ok()) return bad(s, "no such date");
  if (hour > 23 || minute > 59 || second > 59) return bad(s, "time of day out of range");
  size_t pos = 19;
  int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    int64_t scale = 100000000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      nanos += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad(s, "empty fraction");
  }
  int offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return bad(s, "bad zone offset, expected +hh:mm");
    }
    offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad(s, "missing zone (Z or +hh:mm)");
  }
  if (pos != s.size()) return bad(s, "trailing characters");
  auto t = std::chrono::sys_days(ymd) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
           std::chrono::seconds(second) - std::chrono::minutes(offset_minutes);
  return WallTime(std::chrono::duration_cast<WallTime::duration>(t.time_since_epoch() +
                                                                 std::chrono::nanoseconds(nanos)));
}

std::string formatRfc3339(WallTime t, int fraction_digits) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch());
  auto days = std::chrono::floor<std::chrono::days>(ns);
  std::chrono::year_month_day ymd{std::chrono::sys_days(days)};
  auto in_day = ns - days;
  int64_t secs = std::chrono::duration_cast<std::chrono::seconds>(in_day).count();
  int64_t frac = (in_day - std::chrono::seconds(secs)).count();  // 0..999999999
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02u%c%02d:%02d:%02d", int(ymd.year()),
                        unsigned(ymd.month()), unsigned(ymd.day()), 'T', int(secs / 3600),
                        int(secs / 60 % 60), int(secs % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (fraction_digits > 0) {
    if (fraction_digits > 9) fraction_digits = 9;
    std::snprintf(buf, sizeof buf, "%09lld", static_cast<long long>(frac));
    out += '.';
    out.append(buf, static_cast<size_t>(fraction_digits));
  }
  out += 'Z';
  return out;
}

Result<Time> Time::parse(std::string_view text) {
  ORCH_ASSIGN_OR_RETURN(WallTime t, parseRfc3339(text));
  return Time(t);
}

int64_t Time::unixSeconds() const {
  return std::chrono::floor<std::chrono::seconds>(t_.time_since_epoch()).count();
}

Time Time::truncated() const {
  return Time(std::chrono::floor<std::chrono::seconds>(t_));
}

Result<MicroTime> MicroTime::parse(std::string_view text) {
  ORCH_ASSIGN_OR_RETURN(WallTime t, parseRfc3339(text));
  return MicroTime(t);
}

Status decodeJson(const Json& j, const FieldPath& p, Time& out) {
  std::string s;
  ORCH_RETURN_IF_ERROR(decodeString(j, p, s));
  auto t = Time::parse(s);
  if (!t.ok()) return fieldError(p, t.status().context());
  out = *t;
  return Status::ok();
}

Json encodeJson(const Time& v) {
  return v.format();
}

Status decodeJson(const Json& j, const FieldPath& p, MicroTime& out) {
  std::string s;
  ORCH_RETURN_IF_ERROR(decodeString(j, p, s));
  auto t = MicroTime::parse(s);
  if (!t.ok()) return fieldError(p, t.status().context());
  out = *t;
  return Status::ok();
}

Json encodeJson(const MicroTime& v) {
  return v.format();
}

}  // namespace orch::api
