#include "common/base/status.h"

#include <cstdlib>
#include <cstring>

namespace orch {

namespace {

struct ErrnoEntry {
  int value;
  const char* name;
};

#define ORCH_ERRNO(e) \
  ErrnoEntry {        \
    e, #e             \
  }
constexpr ErrnoEntry kErrnoNames[] = {
    ORCH_ERRNO(EPERM),           ORCH_ERRNO(ENOENT),        ORCH_ERRNO(ESRCH),
    ORCH_ERRNO(EINTR),           ORCH_ERRNO(EIO),           ORCH_ERRNO(ENXIO),
    ORCH_ERRNO(E2BIG),           ORCH_ERRNO(ENOEXEC),       ORCH_ERRNO(EBADF),
    ORCH_ERRNO(ECHILD),          ORCH_ERRNO(EAGAIN),        ORCH_ERRNO(ENOMEM),
    ORCH_ERRNO(EACCES),          ORCH_ERRNO(EFAULT),        ORCH_ERRNO(EBUSY),
    ORCH_ERRNO(EEXIST),          ORCH_ERRNO(EXDEV),         ORCH_ERRNO(ENODEV),
    ORCH_ERRNO(ENOTDIR),         ORCH_ERRNO(EISDIR),        ORCH_ERRNO(EINVAL),
    ORCH_ERRNO(ENFILE),          ORCH_ERRNO(EMFILE),        ORCH_ERRNO(ENOSPC),
    ORCH_ERRNO(ESPIPE),          ORCH_ERRNO(EROFS),         ORCH_ERRNO(EPIPE),
    ORCH_ERRNO(ERANGE),          ORCH_ERRNO(EDEADLK),       ORCH_ERRNO(ENAMETOOLONG),
    ORCH_ERRNO(ENOSYS),          ORCH_ERRNO(ENOTEMPTY),     ORCH_ERRNO(ELOOP),
    ORCH_ERRNO(ENODATA),         ORCH_ERRNO(ETIME),         ORCH_ERRNO(EPROTO),
    ORCH_ERRNO(EBADMSG),         ORCH_ERRNO(EOVERFLOW),     ORCH_ERRNO(EMSGSIZE),
    ORCH_ERRNO(EPROTONOSUPPORT), ORCH_ERRNO(EOPNOTSUPP),    ORCH_ERRNO(EAFNOSUPPORT),
    ORCH_ERRNO(EADDRINUSE),      ORCH_ERRNO(EADDRNOTAVAIL), ORCH_ERRNO(ENETDOWN),
    ORCH_ERRNO(ENETUNREACH),     ORCH_ERRNO(ECONNABORTED),  ORCH_ERRNO(ECONNRESET),
    ORCH_ERRNO(ENOBUFS),         ORCH_ERRNO(EISCONN),       ORCH_ERRNO(ENOTCONN),
    ORCH_ERRNO(ETIMEDOUT),       ORCH_ERRNO(ECONNREFUSED),  ORCH_ERRNO(EHOSTUNREACH),
    ORCH_ERRNO(EALREADY),        ORCH_ERRNO(EINPROGRESS),   ORCH_ERRNO(ECANCELED),
    ORCH_ERRNO(ESTALE),          ORCH_ERRNO(EIDRM),
};
#undef ORCH_ERRNO

const char* errnoSymbol(int err) {
  for (const ErrnoEntry& e : kErrnoNames) {
    if (e.value == err) return e.name;
  }
  return nullptr;
}

}  // namespace

std::string errnoName(int err) {
  if (const char* s = errnoSymbol(err); s != nullptr && err != 0) return s;
  return "errno " + std::to_string(err);
}

Status Status::error(int err, std::string context) {
  if (err == 0) std::abort();  // an error needs a cause
  return Status(err, std::move(context));
}

Status Status::fromErrno(std::string context) {
  int err = errno;
  return error(err == 0 ? EIO : err, std::move(context));
}

std::string Status::message() const {
  if (isOk()) return "ok";
  std::string name = errnoName(code_);
  if (context_.empty()) return name;
  return context_ + ": " + name;
}

Status Status::withContext(std::string_view outer) const& {
  Status s = *this;
  return std::move(s).withContext(outer);
}

Status Status::withContext(std::string_view outer) && {
  if (isOk()) return std::move(*this);
  context_ = context_.empty() ? std::string(outer) : std::string(outer) + ": " + context_;
  return std::move(*this);
}

}  // namespace orch
