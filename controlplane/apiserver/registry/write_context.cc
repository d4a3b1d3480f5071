#include "controlplane/apiserver/registry/write_context.h"

#include <chrono>

#include "common/api/time.h"

namespace orch::apiserver {

namespace {

// upstream's prefixFromUserAgent: the part of the User-Agent before the first '/'.
std::string managerFromUserAgent(const std::string& ua) {
  std::string m = ua.substr(0, ua.find('/'));
  if (m.size() > 128) m.resize(128);
  return m;
}

}  // namespace

WriteContext systemWriteContext(std::string manager) {
  WriteContext ctx;
  ctx.field_manager = std::move(manager);
  ctx.now = api::Time(std::chrono::system_clock::now()).format();
  return ctx;
}

ApiResult<WriteContext> writeContextOf(const Request& req) {
  WriteContext ctx;
  ctx.user = req.user;
  ctx.now = api::Time(std::chrono::system_clock::now()).format();
  if (auto m = req.queryParam("fieldManager"); m && !m->empty()) {
    if (m->size() > 128)
      return badRequestError("fieldManager: Too long: may not be longer than 128 characters");
    ctx.field_manager = *m;
  } else {
    ctx.field_manager = managerFromUserAgent(req.header("user-agent"));
  }
  if (auto v = req.queryParam("fieldValidation"); v && !v->empty()) {
    if (*v == "Ignore")
      ctx.field_validation = FieldValidation::kIgnore;
    else if (*v == "Warn")
      ctx.field_validation = FieldValidation::kWarn;
    else if (*v == "Strict")
      ctx.field_validation = FieldValidation::kStrict;
    else
      return badRequestError("fieldValidation: Unsupported value: \"" + *v +
                             "\": supported values: \"Ignore\", \"Strict\", \"Warn\"");
  }
  for (auto [it, end] = req.query.equal_range("dryRun"); it != end; ++it) {
    if (it->second != "All")
      return badRequestError("dryRun: Unsupported value: \"" + it->second +
                             "\": supported values: \"All\"");
    ctx.dry_run = true;
  }
  return ctx;
}

}  // namespace orch::apiserver
