// orch-shim: the CRI runtime of orch. Serves RuntimeService and ImageService on a unix
// socket; `orch-shim import FILE...` loads image archives into the state dir instead.
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>

#include "common/base/flags.h"
#include "common/base/log.h"
#include "common/base/signals.h"
#include "runtime-shim/server/image_service.h"
#include "runtime-shim/server/runtime_service.h"
#include "runtime-shim/server/shim_flags.h"

namespace {

using namespace orch;

int importArchives(const shim::ShimFlags& flags, const std::vector<std::string>& files) {
  auto store = shim::ImageStore::open(flags.state_dir + "/images");
  if (!store.ok()) {
    log::error("cannot open the image store", {{"error", store.status().message()}});
    return 1;
  }
  for (const auto& file : files) {
    auto images = (*store)->importArchive(file);
    if (!images.ok()) {
      log::error("import failed", {{"file", file}, {"error", images.status().message()}});
      return 1;
    }
    for (const auto& img : *images) {
      std::string tags;
      for (const auto& t : img.repo_tags) tags += (tags.empty() ? "" : ",") + t;
      log::info("imported", {{"file", file}, {"id", img.id}, {"tags", tags}});
    }
  }
  return 0;
}

int serve(const shim::ShimFlags& flags) {
  auto signals = SignalWatcher::create({SIGTERM, SIGINT});
  if (!signals.ok()) {
    log::error("signal setup failed", {{"error", signals.status().message()}});
    return 1;
  }
  // Writes to a monitor's or plugin's closed pipe must fail, not kill the runtime.
  std::signal(SIGPIPE, SIG_IGN);
  auto rt_opts = shim::runtimeOptionsFrom(flags);
  auto pull_opts = shim::pullOptionsFrom(flags);
  auto socket = shim::listenSocketPath(flags);
  for (const Status* st : {&rt_opts.status(), &pull_opts.status(), &socket.status()}) {
    if (!st->isOk()) {
      log::error("bad configuration", {{"error", st->message()}});
      return 1;
    }
  }
  auto store = shim::ImageStore::open(flags.state_dir + "/images");
  if (!store.ok()) {
    log::error("cannot open the image store", {{"error", store.status().message()}});
    return 1;
  }
  auto runtime = shim::Runtime::create(*rt_opts, store->get());
  if (!runtime.ok()) {
    log::error("cannot recover the runtime state", {{"error", runtime.status().message()}});
    return 1;
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(*socket).parent_path(), ec);
  std::filesystem::remove(*socket, ec);  // a stale socket from an earlier run
  shim::RuntimeServiceImpl runtime_service(runtime->get());
  shim::ImageServiceImpl image_service(store->get(), *pull_opts);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix://" + *socket, grpc::InsecureServerCredentials());
  builder.SetMaxReceiveMessageSize(16 << 20);
  builder.SetMaxSendMessageSize(16 << 20);
  builder.RegisterService(&runtime_service);
  builder.RegisterService(&image_service);
  auto server = builder.BuildAndStart();
  if (!server) {
    log::error("cannot serve", {{"socket", *socket}});
    return 1;
  }
  chmod(socket->c_str(), 0660);
  log::info("serving", {{"socket", *socket}, {"state-dir", flags.state_dir}});
  auto sig = signals->wait();
  log::info("shutting down", {{"signal", sig.ok() ? *sig : 0}});
  // Containers keep running: their monitors do not depend on us.
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"orch-shim: the CRI runtime of orch"};
  orch::flags::LoggingFlags logging;
  orch::flags::addLoggingFlags(app, logging);
  orch::shim::ShimFlags flags;
  orch::shim::addShimFlags(app, flags);
  std::vector<std::string> files;
  CLI::App* import_cmd =
      app.add_subcommand("import", "import docker-archive or OCI-layout tarballs");
  import_cmd->add_option("files", files, "archives to import")->required();
  if (int rc = orch::flags::parse(app, argc, argv); rc >= 0) return rc;
  if (!orch::flags::applyLoggingFlags(logging)) return 1;
  if (import_cmd->parsed()) return importArchives(flags, files);
  return serve(flags);
}
