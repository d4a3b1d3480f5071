#include "runtime-shim/container/mount_options.h"

#include <sys/mount.h>

#include <cstring>

namespace orch::shim {

namespace {

struct FlagOption {
  const char* name;
  bool clear;  // the option clears `flag` instead of setting it
  unsigned long flag;
};

constexpr FlagOption kFlagOptions[] = {
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},
    {"atime", true, MS_NOATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"diratime", true, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"bind", false, MS_BIND},
    {"rbind", false, MS_BIND | MS_REC},
};

}  // namespace

bool MountOptions::bind() const {
  return (flags & MS_BIND) != 0;
}
bool MountOptions::readonly() const {
  return (flags & MS_RDONLY) != 0;
}

Result<unsigned long> propagationFlags(const std::string& name) {
  std::string base = name;
  unsigned long rec = 0;
  if (base.size() > 1 && base[0] == 'r' && base != "rw") {
    rec = MS_REC;
    base = base.substr(1);
  }
  if (base == "private") return MS_PRIVATE | rec;
  if (base == "slave") return MS_SLAVE | rec;
  if (base == "shared") return MS_SHARED | rec;
  if (base == "unbindable") return MS_UNBINDABLE | rec;
  return Status::invalid("unknown propagation \"" + name + "\"");
}

Result<MountOptions> parseMountOptions(const std::vector<std::string>& options) {
  MountOptions out;
  for (const std::string& opt : options) {
    if (opt.empty()) return Status::invalid("empty mount option");
    bool known = false;
    for (const FlagOption& f : kFlagOptions) {
      if (opt == f.name) {
        if (f.clear) {
          out.flags &= ~f.flag;
        } else {
          out.flags |= f.flag;
        }
        known = true;
        break;
      }
    }
    if (known) continue;
    if (auto prop = propagationFlags(opt); prop.ok()) {
      out.propagation = *prop;
      continue;
    }
    if (!out.data.empty()) out.data += ',';
    out.data += opt;
  }
  return out;
}

}  // namespace orch::shim
