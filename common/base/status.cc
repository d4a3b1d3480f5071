#include "common/base/status.h"

#include <cstdlib>
#include <cstring>

namespace orch {

namespace {
const char* errnoSymbol(int err) {
  switch (err) {
#define ORCH_ERRNO_CASE(e) \
  case e:                  \
    return #e;
    ORCH_ERRNO_CASE(EPERM)
    ORCH_ERRNO_CASE(ENOENT) ORCH_ERRNO_CASE(ESRCH) ORCH_ERRNO_CASE(EINTR) ORCH_ERRNO_CASE(
        EIO) ORCH_ERRNO_CASE(ENXIO) ORCH_ERRNO_CASE(E2BIG) ORCH_ERRNO_CASE(ENOEXEC)
        ORCH_ERRNO_CASE(EBADF) ORCH_ERRNO_CASE(ECHILD) ORCH_ERRNO_CASE(EAGAIN) ORCH_ERRNO_CASE(
            ENOMEM) ORCH_ERRNO_CASE(EACCES) ORCH_ERRNO_CASE(EFAULT) ORCH_ERRNO_CASE(EBUSY)
            ORCH_ERRNO_CASE(EEXIST) ORCH_ERRNO_CASE(EXDEV) ORCH_ERRNO_CASE(ENODEV) ORCH_ERRNO_CASE(
                ENOTDIR) ORCH_ERRNO_CASE(EISDIR) ORCH_ERRNO_CASE(EINVAL) ORCH_ERRNO_CASE(ENFILE)
                ORCH_ERRNO_CASE(EMFILE) ORCH_ERRNO_CASE(ENOSPC) ORCH_ERRNO_CASE(
                    ESPIPE) ORCH_ERRNO_CASE(EROFS) ORCH_ERRNO_CASE(EPIPE) ORCH_ERRNO_CASE(ERANGE)
                    ORCH_ERRNO_CASE(EDEADLK) ORCH_ERRNO_CASE(ENAMETOOLONG) ORCH_ERRNO_CASE(ENOSYS)
                        ORCH_ERRNO_CASE(ENOTEMPTY) ORCH_ERRNO_CASE(ELOOP) ORCH_ERRNO_CASE(ENODATA)
                            ORCH_ERRNO_CASE(ETIME) ORCH_ERRNO_CASE(EPROTO) ORCH_ERRNO_CASE(
                                EBADMSG) ORCH_ERRNO_CASE(EOVERFLOW) ORCH_ERRNO_CASE(EMSGSIZE)
                                ORCH_ERRNO_CASE(EPROTONOSUPPORT) ORCH_ERRNO_CASE(EOPNOTSUPP)
                                    ORCH_ERRNO_CASE(EAFNOSUPPORT) ORCH_ERRNO_CASE(EADDRINUSE)
                                        ORCH_ERRNO_CASE(EADDRNOTAVAIL) ORCH_ERRNO_CASE(ENETDOWN)
                                            ORCH_ERRNO_CASE(ENETUNREACH) ORCH_ERRNO_CASE(
                                                ECONNABORTED) ORCH_ERRNO_CASE(ECONNRESET)
                                                ORCH_ERRNO_CASE(ENOBUFS) ORCH_ERRNO_CASE(EISCONN)
                                                    ORCH_ERRNO_CASE(ENOTCONN) ORCH_ERRNO_CASE(
                                                        ETIMEDOUT) ORCH_ERRNO_CASE(ECONNREFUSED)
                                                        ORCH_ERRNO_CASE(EHOSTUNREACH)
                                                            ORCH_ERRNO_CASE(EALREADY)
                                                                ORCH_ERRNO_CASE(EINPROGRESS)
                                                                    ORCH_ERRNO_CASE(ECANCELED)
#undef ORCH_ERRNO_CASE
                                                                        default : return nullptr;
  }
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
