#include "common/api/int_or_string.h"

#include <charconv>

namespace orch::api {

Result<int32_t> scaledValueFromIntOrPercent(const IntOrString& v, int32_t total, bool round_up) {
  if (v.isInt()) return v.intValue();
  const std::string& s = v.strValue();
  auto bad = [&] {
    return Status::invalid("invalid value for IntOrString: \"" + s +
                           "\": expected an integer or a percentage like \"25%\"");
  };
  if (s.size() < 2 || s.back() != '%') return bad();
  int64_t pct = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size() - 1, pct);
  if (ec != std::errc() || ptr != s.data() + s.size() - 1 || pct < 0 || pct > INT32_MAX) {
    return bad();
  }
  int64_t scaled = pct * total;
  int64_t result = round_up ? (scaled + 99) / 100 : scaled / 100;
  if (scaled < 0 && round_up) result = scaled / 100;  // ceil toward zero for negatives
  return static_cast<int32_t>(result);
}

Status decodeJson(const Json& j, const FieldPath& p, IntOrString& out) {
  if (j.is_string()) {
    out = IntOrString(j.get_ref<const std::string&>());
    return Status::ok();
  }
  if (j.is_number()) {
    int64_t v = 0;
    ORCH_RETURN_IF_ERROR(decodeInt(j, p, INT32_MIN, INT32_MAX, v));
    out = IntOrString(static_cast<int32_t>(v));
    return Status::ok();
  }
  return typeError(p, "integer or string", j);
}

Json encodeJson(const IntOrString& v) {
  if (v.isString()) return v.strValue();
  return v.intValue();
}

}  // namespace orch::api
