#pragma once
// Status and Result<T>: the error currency of orch. A Status carries an errno
// value (0 = ok) and a human context chain ("attach veth1 to cni0: EEXIST").
// Exceptions never cross a module boundary; convert them to a Status at the edge.

#include <cerrno>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace orch {

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok

  static Status ok() { return Status(); }
  // An error with an errno value and what was being done.
  static Status error(int err, std::string context);
  // An error from the current errno.
  static Status fromErrno(std::string context);
  // Common categories, all mapped onto errno values.
  static Status invalid(std::string context) { return error(EINVAL, std::move(context)); }
  static Status notFound(std::string context) { return error(ENOENT, std::move(context)); }
  static Status exists(std::string context) { return error(EEXIST, std::move(context)); }
  static Status timeout(std::string context) { return error(ETIMEDOUT, std::move(context)); }

  bool isOk() const { return code_ == 0; }
  int code() const { return code_; }
  const std::string& context() const { return context_; }
  // "context: EEXIST" or "context" when the context already names the cause.
  std::string message() const;

  // Prepends an outer context: "outer: inner".
  Status withContext(std::string_view outer) const&;
  Status withContext(std::string_view outer) &&;

  bool operator==(const Status& o) const { return code_ == o.code_ && context_ == o.context_; }

 private:
  Status(int code, std::string context) : code_(code), context_(std::move(context)) {}
  int code_ = 0;
  std::string context_;
};

// The symbolic name of an errno value ("EEXIST"), or its number.
std::string errnoName(int err);

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {   // NOLINT(google-explicit-constructor)
    if (std::get<Status>(v_).isOk()) std::abort();  // a Result error must be an error
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return checked(); }
  const T& value() const& { return const_cast<Result*>(this)->checked(); }
  T&& value() && { return std::move(checked()); }
  T valueOr(T other) const { return ok() ? std::get<T>(v_) : std::move(other); }
  T& operator*() & { return checked(); }
  const T& operator*() const& { return const_cast<Result*>(this)->checked(); }
  T* operator->() { return &checked(); }
  const T* operator->() const { return &const_cast<Result*>(this)->checked(); }

 private:
  T& checked() {
    if (!ok()) std::abort();  // reading the value of an error is a broken invariant
    return std::get<T>(v_);
  }
  std::variant<T, Status> v_;
};

}  // namespace orch

#define ORCH_CONCAT_INNER_(a, b) a##b
#define ORCH_CONCAT_(a, b) ORCH_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function when it is an error.
#define ORCH_RETURN_IF_ERROR(expr)                 \
  do {                                             \
    ::orch::Status orch_status_ = (expr);          \
    if (!orch_status_.isOk()) return orch_status_; \
  } while (0)

// `ORCH_ASSIGN_OR_RETURN(auto x, makeX());` binds the value or returns the error.
#define ORCH_ASSIGN_OR_RETURN(lhs, expr) \
  ORCH_ASSIGN_OR_RETURN_IMPL_(ORCH_CONCAT_(orch_result_, __LINE__), lhs, expr)
#define ORCH_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()
