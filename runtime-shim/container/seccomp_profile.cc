#include "runtime-shim/container/seccomp_profile.h"

#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

#include "common/base/file_util.h"
#include "common/base/unique_fd.h"

namespace orch::shim {

namespace {

using nlohmann::json;

// libseccomp's native architecture in Go's GOARCH spelling, which Docker's includes /
// excludes use.
std::string nativeGoArch() {
  switch (seccomp_arch_native()) {
    case SCMP_ARCH_X86_64:
      return "amd64";
    case SCMP_ARCH_X86:
      return "386";
    case SCMP_ARCH_X32:
      return "x32";
    case SCMP_ARCH_AARCH64:
      return "arm64";
    case SCMP_ARCH_ARM:
      return "arm";
    case SCMP_ARCH_PPC64LE:
      return "ppc64le";
    case SCMP_ARCH_S390X:
      return "s390x";
    case SCMP_ARCH_RISCV64:
      return "riscv64";
    default:
      return "unknown";
  }
}

// "SCMP_ARCH_X86_64" → the libseccomp token; 0 when unknown.
uint32_t archToken(const std::string& name) {
  std::string n = name;
  if (n.rfind("SCMP_ARCH_", 0) == 0) n = n.substr(10);
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  return seccomp_arch_resolve_name(n.c_str());
}

// Kernel "major.minor" compared with a "4.8"-style minimum.
bool kernelAtLeast(const std::string& min) {
  struct utsname u;
  if (uname(&u) != 0) return true;
  int kmaj = 0, kmin = 0, rmaj = 0, rmin = 0;
  if (std::sscanf(u.release, "%d.%d", &kmaj, &kmin) < 1) return true;
  if (std::sscanf(min.c_str(), "%d.%d", &rmaj, &rmin) < 1) return true;
  return kmaj > rmaj || (kmaj == rmaj && kmin >= rmin);
}

Result<uint32_t> parseAction(const json& entry, const std::string& path, const char* key,
                             const char* errno_key, uint32_t default_errno) {
  auto it = entry.find(key);
  if (it == entry.end() || !it->is_string()) {
    return Status::invalid(path + "." + key + ": expected an action string");
  }
  uint32_t ret = default_errno;
  if (auto e = entry.find(errno_key); e != entry.end() && !e->is_null()) {
    if (!e->is_number_unsigned())
      return Status::invalid(path + "." + errno_key + ": expected a number");
    ret = e->get<uint32_t>();
  }
  const std::string a = it->get<std::string>();
  if (a == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (a == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(ret);
  if (a == "SCMP_ACT_KILL" || a == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (a == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (a == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (a == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  if (a == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(ret);
  return Status::invalid(path + "." + key + ": unknown action \"" + a + "\"");
}

Result<scmp_compare> parseOp(const std::string& op, const std::string& path) {
  if (op == "SCMP_CMP_NE") return SCMP_CMP_NE;
  if (op == "SCMP_CMP_LT") return SCMP_CMP_LT;
  if (op == "SCMP_CMP_LE") return SCMP_CMP_LE;
  if (op == "SCMP_CMP_EQ") return SCMP_CMP_EQ;
  if (op == "SCMP_CMP_GE") return SCMP_CMP_GE;
  if (op == "SCMP_CMP_GT") return SCMP_CMP_GT;
  if (op == "SCMP_CMP_MASKED_EQ") return SCMP_CMP_MASKED_EQ;
  return Status::invalid(path + ".op: unknown operator \"" + op + "\"");
}

Result<std::vector<std::string>> stringList(const json& obj, const char* key,
                                            const std::string& path) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_array()) return Status::invalid(path + "." + key + ": expected an array");
  for (size_t i = 0; i < it->size(); ++i) {
    if (!(*it)[i].is_string()) {
      return Status::invalid(path + "." + key + "[" + std::to_string(i) + "]: expected a string");
    }
    out.push_back((*it)[i].get<std::string>());
  }
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Whether Docker's includes / excludes let the entry apply here.
Result<bool> entryApplies(const json& entry, const std::string& path,
                          const std::vector<std::string>& caps) {
  const std::string arch = nativeGoArch();
  if (auto inc = entry.find("includes"); inc != entry.end() && inc->is_object()) {
    ORCH_ASSIGN_OR_RETURN(auto arches, stringList(*inc, "arches", path + ".includes"));
    if (!arches.empty() && !contains(arches, arch)) return false;
    ORCH_ASSIGN_OR_RETURN(auto need, stringList(*inc, "caps", path + ".includes"));
    for (const std::string& c : need) {
      if (!contains(caps, c)) return false;
    }
    if (auto mk = inc->find("minKernel"); mk != inc->end() && mk->is_string()) {
      if (!kernelAtLeast(mk->get<std::string>())) return false;
    }
  }
  if (auto exc = entry.find("excludes"); exc != entry.end() && exc->is_object()) {
    ORCH_ASSIGN_OR_RETURN(auto arches, stringList(*exc, "arches", path + ".excludes"));
    if (contains(arches, arch)) return false;
    ORCH_ASSIGN_OR_RETURN(auto deny, stringList(*exc, "caps", path + ".excludes"));
    for (const std::string& c : deny) {
      if (contains(caps, c)) return false;
    }
  }
  return true;
}

Result<std::vector<scmp_arg_cmp>> parseArgs(const json& entry, const std::string& path) {
  std::vector<scmp_arg_cmp> out;
  auto it = entry.find("args");
  if (it == entry.end() || it->is_null()) return out;
  if (!it->is_array()) return Status::invalid(path + ".args: expected an array");
  for (size_t i = 0; i < it->size(); ++i) {
    const json& a = (*it)[i];
    const std::string p = path + ".args[" + std::to_string(i) + "]";
    if (!a.is_object()) return Status::invalid(p + ": expected an object");
    auto idx = a.find("index");
    if (idx == a.end() || !idx->is_number_unsigned() || idx->get<uint64_t>() > 5) {
      return Status::invalid(p + ".index: expected 0..5");
    }
    uint64_t value = 0, value_two = 0;
    if (auto v = a.find("value"); v != a.end() && !v->is_null()) {
      if (!v->is_number_unsigned()) return Status::invalid(p + ".value: expected a number");
      value = v->get<uint64_t>();
    }
    if (auto v = a.find("valueTwo"); v != a.end() && !v->is_null()) {
      if (!v->is_number_unsigned()) return Status::invalid(p + ".valueTwo: expected a number");
      value_two = v->get<uint64_t>();
    }
    auto op = a.find("op");
    if (op == a.end() || !op->is_string()) return Status::invalid(p + ".op: expected a string");
    ORCH_ASSIGN_OR_RETURN(scmp_compare cmp, parseOp(op->get<std::string>(), p));
    out.push_back(scmp_arg_cmp{static_cast<unsigned>(idx->get<uint64_t>()), cmp, value, value_two});
  }
  return out;
}

Status addArches(scmp_filter_ctx ctx, const json& profile) {
  std::set<uint32_t> arches;
  ORCH_ASSIGN_OR_RETURN(auto listed, stringList(profile, "architectures", "profile"));
  for (const std::string& a : listed) {
    if (uint32_t t = archToken(a); t != 0) arches.insert(t);
  }
  if (auto am = profile.find("archMap"); am != profile.end() && am->is_array()) {
    for (const json& m : *am) {
      if (!m.is_object() || !m.contains("architecture") || !m["architecture"].is_string()) continue;
      if (archToken(m["architecture"].get<std::string>()) != seccomp_arch_native()) continue;
      arches.insert(seccomp_arch_native());
      ORCH_ASSIGN_OR_RETURN(auto subs, stringList(m, "subArchitectures", "profile.archMap"));
      for (const std::string& s : subs) {
        if (uint32_t t = archToken(s); t != 0) arches.insert(t);
      }
    }
  }
  for (uint32_t t : arches) {
    int rc = seccomp_arch_add(ctx, t);
    if (rc != 0 && rc != -EEXIST) return Status::error(-rc, "seccomp_arch_add");
  }
  return Status::ok();
}

Status addRule(scmp_filter_ctx ctx, uint32_t action, int nr, const std::vector<scmp_arg_cmp>& args,
               const std::string& what) {
  int rc = seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(args.size()),
                                  args.empty() ? nullptr : args.data());
  if (rc != 0) return Status::error(-rc, "add seccomp rule for " + what);
  return Status::ok();
}

Status addEntry(scmp_filter_ctx ctx, const json& entry, const std::string& path,
                uint32_t default_action, const std::vector<std::string>& caps) {
  if (!entry.is_object()) return Status::invalid(path + ": expected an object");
  ORCH_ASSIGN_OR_RETURN(bool applies, entryApplies(entry, path, caps));
  if (!applies) return Status::ok();
  ORCH_ASSIGN_OR_RETURN(uint32_t action, parseAction(entry, path, "action", "errnoRet", EPERM));
  ORCH_ASSIGN_OR_RETURN(auto names, stringList(entry, "names", path));
  if (auto n = entry.find("name"); n != entry.end() && n->is_string()) {
    names.push_back(n->get<std::string>());
  }
  ORCH_ASSIGN_OR_RETURN(auto args, parseArgs(entry, path));
  if (action == default_action) return Status::ok();  // libseccomp refuses it; a no-op anyway
  std::set<unsigned> indexes;
  bool repeated = false;
  for (const scmp_arg_cmp& a : args) repeated |= !indexes.insert(a.arg).second;
  for (const std::string& name : names) {
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) continue;  // not on this kernel / libseccomp
    if (!repeated) {
      ORCH_RETURN_IF_ERROR(addRule(ctx, action, nr, args, path + " " + name));
    } else {
      for (const scmp_arg_cmp& a : args) {
        ORCH_RETURN_IF_ERROR(addRule(ctx, action, nr, {a}, path + " " + name));
      }
    }
  }
  return Status::ok();
}

}  // namespace

SeccompFilter& SeccompFilter::operator=(SeccompFilter&& o) noexcept {
  if (this != &o) {
    if (ctx_ != nullptr) seccomp_release(ctx_);
    ctx_ = o.ctx_;
    o.ctx_ = nullptr;
  }
  return *this;
}

SeccompFilter::~SeccompFilter() {
  if (ctx_ != nullptr) seccomp_release(ctx_);
}

Status SeccompFilter::load() const {
  int rc = seccomp_load(ctx_);
  if (rc != 0) return Status::error(-rc, "load seccomp filter");
  return Status::ok();
}

Result<std::string> SeccompFilter::exportPfc() const {
  UniqueFd fd(memfd_create("seccomp-pfc", MFD_CLOEXEC));
  if (!fd) return Status::fromErrno("memfd_create");
  int rc = seccomp_export_pfc(ctx_, fd.get());
  if (rc != 0) return Status::error(-rc, "seccomp_export_pfc");
  std::string out;
  char buf[8192];
  ssize_t n;
  off_t off = 0;
  while ((n = pread(fd.get(), buf, sizeof buf, off)) > 0) {
    out.append(buf, static_cast<size_t>(n));
    off += n;
  }
  if (n < 0) return Status::fromErrno("read seccomp pfc");
  return out;
}

Result<SeccompFilter> buildSeccompFilter(const json& profile,
                                         const std::vector<std::string>& capabilities) {
  if (!profile.is_object()) return Status::invalid("profile: expected an object");
  uint32_t default_errno = EPERM;
  if (auto e = profile.find("defaultErrnoRet"); e != profile.end() && !e->is_null()) {
    if (!e->is_number_unsigned()) return Status::invalid("defaultErrnoRet: expected a number");
    default_errno = e->get<uint32_t>();
  }
  if (!profile.contains("defaultAction")) return Status::invalid("defaultAction: missing");
  ORCH_ASSIGN_OR_RETURN(uint32_t default_action, parseAction(profile, "profile", "defaultAction",
                                                             "defaultErrnoRet", default_errno));
  scmp_filter_ctx raw = seccomp_init(default_action);
  if (raw == nullptr) return Status::invalid("seccomp_init: bad default action");
  SeccompFilter filter(raw);
  // no_new_privs is the launcher's decision, not libseccomp's.
  if (int rc = seccomp_attr_set(raw, SCMP_FLTATR_CTL_NNP, 0); rc != 0) {
    return Status::error(-rc, "seccomp_attr_set NNP");
  }
  ORCH_RETURN_IF_ERROR(addArches(raw, profile));
  auto sc = profile.find("syscalls");
  if (sc != profile.end() && !sc->is_null()) {
    if (!sc->is_array()) return Status::invalid("syscalls: expected an array");
    for (size_t i = 0; i < sc->size(); ++i) {
      ORCH_RETURN_IF_ERROR(addEntry(raw, (*sc)[i], "syscalls[" + std::to_string(i) + "]",
                                    default_action, capabilities));
    }
  }
  return filter;
}

Result<std::optional<SeccompFilter>> seccompFilterFor(
    const SeccompSpec& spec, const std::vector<std::string>& capabilities) {
  switch (spec.kind) {
    case SeccompSpec::Kind::kUnconfined:
      return std::optional<SeccompFilter>();
    case SeccompSpec::Kind::kRuntimeDefault: {
      ORCH_ASSIGN_OR_RETURN(SeccompFilter f,
                            buildSeccompFilter(runtimeDefaultSeccompProfile(), capabilities));
      return std::optional<SeccompFilter>(std::move(f));
    }
    case SeccompSpec::Kind::kLocalhost: {
      const std::string what = "seccomp profile " + spec.localhost_path;
      auto text = readFile(spec.localhost_path);
      if (!text.ok()) return text.status().withContext(what);
      json j = json::parse(*text, nullptr, false);
      if (j.is_discarded()) return Status::invalid(what + ": not valid JSON");
      auto f = buildSeccompFilter(j, capabilities);
      if (!f.ok()) return f.status().withContext(what);
      return std::optional<SeccompFilter>(std::move(f).value());
    }
  }
  return std::optional<SeccompFilter>();
}

}  // namespace orch::shim
