#include "runtime-shim/container/capabilities.h"

#include <sys/prctl.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace orch::shim {

namespace {

struct CapFree {
  void operator()(cap_t c) const { cap_free(c); }
};
using CapPtr = std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree>;

Result<CapPtr> currentCaps() {
  CapPtr caps(cap_get_proc());
  if (!caps) return Status::fromErrno("cap_get_proc");
  return caps;
}

bool inPermitted(cap_t caps, cap_value_t v) {
  cap_flag_value_t set = CAP_CLEAR;
  return cap_get_flag(caps, v, CAP_PERMITTED, &set) == 0 && set == CAP_SET;
}

}  // namespace

Result<std::vector<cap_value_t>> capabilityValues(const std::vector<std::string>& names, bool all) {
  ORCH_ASSIGN_OR_RETURN(CapPtr current, currentCaps());
  std::vector<cap_value_t> wanted;
  if (all) {
    for (cap_value_t v = 0; v < static_cast<cap_value_t>(cap_max_bits()); ++v) {
      wanted.push_back(v);
    }
  } else {
    for (const std::string& name : names) {
      cap_value_t v;
      if (cap_from_name(name.c_str(), &v) != 0) {
        return Status::invalid("unknown capability \"" + name + "\"");
      }
      if (std::find(wanted.begin(), wanted.end(), v) == wanted.end()) wanted.push_back(v);
    }
  }
  std::vector<cap_value_t> out;
  for (cap_value_t v : wanted) {
    if (inPermitted(current.get(), v)) out.push_back(v);
  }
  return out;
}

Status dropBoundingSet(const std::vector<cap_value_t>& keep) {
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return Status::fromErrno("prctl PR_SET_KEEPCAPS");
  int max = static_cast<int>(cap_max_bits());
  for (cap_value_t v = 0; v < max; ++v) {
    if (std::find(keep.begin(), keep.end(), v) != keep.end()) continue;
    if (CAP_IS_SUPPORTED(v) && cap_drop_bound(v) != 0) {
      char* name = cap_to_name(v);
      Status s =
          Status::fromErrno(std::string("drop ") + (name ? name : "?") + " from the bounding set");
      cap_free(name);
      return s;
    }
  }
  return Status::ok();
}

Status setCapabilities(const std::vector<cap_value_t>& caps) {
  CapPtr c(cap_init());
  if (!c) return Status::fromErrno("cap_init");
  if (!caps.empty()) {
    if (cap_set_flag(c.get(), CAP_PERMITTED, static_cast<int>(caps.size()), caps.data(), CAP_SET) !=
            0 ||
        cap_set_flag(c.get(), CAP_EFFECTIVE, static_cast<int>(caps.size()), caps.data(), CAP_SET) !=
            0) {
      return Status::fromErrno("cap_set_flag");
    }
  }
  if (cap_set_proc(c.get()) != 0) return Status::fromErrno("set capabilities");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return Status::fromErrno("clear ambient capabilities");
  }
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return Status::fromErrno("prctl PR_SET_KEEPCAPS");
  return Status::ok();
}

std::vector<std::string> capabilityNames(const std::vector<cap_value_t>& caps) {
  std::vector<std::string> out;
  for (cap_value_t v : caps) {
    char* name = cap_to_name(v);
    if (name == nullptr) continue;
    std::string s(name);
    cap_free(name);
    // libcap spells them "cap_chown"; profiles and specs use "CAP_CHOWN".
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char ch) { return std::toupper(ch); });
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace orch::shim
