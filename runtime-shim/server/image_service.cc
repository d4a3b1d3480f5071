#include "runtime-shim/server/image_service.h"

#include <charconv>
#include <chrono>

#include "common/cri/cri_client.h"
#include "runtime-shim/server/wall_time.h"

namespace orch::shim {

using cri::grpcFromStatus;
namespace v1 = runtime::v1;

void fillImage(const ImageRecord& rec, v1::Image* out) {
  out->set_id(rec.id);
  for (const auto& t : rec.repo_tags) out->add_repo_tags(t);
  for (const auto& d : rec.repo_digests) out->add_repo_digests(d);
  out->set_size(rec.size);
  out->mutable_spec()->set_image(rec.id);
  std::string user = rec.config.value("User", "");
  user = user.substr(0, user.find(':'));
  if (user.empty()) return;
  int64_t uid = 0;
  auto [p, ec] = std::from_chars(user.data(), user.data() + user.size(), uid);
  if (ec == std::errc() && p == user.data() + user.size())
    out->mutable_uid()->set_value(uid);
  else
    out->set_username(user);
}

grpc::Status ImageServiceImpl::ListImages(grpc::ServerContext*, const v1::ListImagesRequest* req,
                                          v1::ListImagesResponse* resp) {
  const std::string& wanted = req->filter().image().image();
  if (!wanted.empty()) {
    auto found = store_->find(wanted);
    if (!found.ok()) return grpcFromStatus(found.status());
    if (*found) fillImage(**found, resp->add_images());
    return grpc::Status::OK;
  }
  auto all = store_->list();
  if (!all.ok()) return grpcFromStatus(all.status());
  for (const auto& rec : *all) fillImage(rec, resp->add_images());
  return grpc::Status::OK;
}

// An image that is not there is an empty response, not an error (CRI).
grpc::Status ImageServiceImpl::ImageStatus(grpc::ServerContext*, const v1::ImageStatusRequest* req,
                                           v1::ImageStatusResponse* resp) {
  if (req->image().image().empty()) return grpcFromStatus(Status::invalid("image.image: required"));
  auto found = store_->find(req->image().image());
  if (!found.ok()) return grpcFromStatus(found.status());
  if (!*found) return grpc::Status::OK;
  fillImage(**found, resp->mutable_image());
  if (req->verbose()) {
    nlohmann::json info = {{"imageSpec", {{"config", (*found)->config}}},
                           {"layers", (*found)->layer_dirs}};
    (*resp->mutable_info())["info"] = info.dump();
  }
  return grpc::Status::OK;
}

grpc::Status ImageServiceImpl::PullImage(grpc::ServerContext*, const v1::PullImageRequest* req,
                                         v1::PullImageResponse* resp) {
  if (req->image().image().empty()) return grpcFromStatus(Status::invalid("image.image: required"));
  PullOptions opts = defaults_;
  const auto& a = req->auth();
  opts.auth = RegistryAuth{.username = a.username(),
                           .password = a.password(),
                           .auth = a.auth(),
                           .identity_token = a.identity_token(),
                           .registry_token = a.registry_token()};
  auto pulled = store_->pull(req->image().image(), opts);
  if (!pulled.ok())
    return grpcFromStatus(pulled.status().withContext("pull \"" + req->image().image() + "\""));
  resp->set_image_ref(pulled->id);
  return grpc::Status::OK;
}

grpc::Status ImageServiceImpl::RemoveImage(grpc::ServerContext*, const v1::RemoveImageRequest* req,
                                           v1::RemoveImageResponse*) {
  if (req->image().image().empty()) return grpcFromStatus(Status::invalid("image.image: required"));
  return grpcFromStatus(store_->remove(req->image().image()));
}

grpc::Status ImageServiceImpl::ImageFsInfo(grpc::ServerContext*, const v1::ImageFsInfoRequest*,
                                           v1::ImageFsInfoResponse* resp) {
  auto usage = store_->usage();
  if (!usage.ok()) return grpcFromStatus(usage.status());
  auto* fs = resp->add_image_filesystems();
  fs->set_timestamp(unixNanosNow());
  fs->mutable_fs_id()->set_mountpoint(usage->mountpoint);
  fs->mutable_used_bytes()->set_value(usage->used_bytes);
  fs->mutable_inodes_used()->set_value(usage->inodes_used);
  return grpc::Status::OK;
}

}  // namespace orch::shim
