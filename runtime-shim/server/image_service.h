#pragma once
// CRI ImageService over gRPC, on the shim's ImageStore. Pulls use the registry mirrors and
// insecure hosts given on the command line plus the request's AuthConfig.

#include "common/cri/api.grpc.pb.h"
#include "runtime-shim/image/image_store.h"

namespace orch::shim {

class ImageServiceImpl final : public runtime::v1::ImageService::Service {
 public:
  ImageServiceImpl(ImageStore* store, PullOptions defaults)
      : store_(store), defaults_(std::move(defaults)) {}

  grpc::Status ListImages(grpc::ServerContext*, const runtime::v1::ListImagesRequest* req,
                          runtime::v1::ListImagesResponse* resp) override;
  grpc::Status ImageStatus(grpc::ServerContext*, const runtime::v1::ImageStatusRequest* req,
                           runtime::v1::ImageStatusResponse* resp) override;
  grpc::Status PullImage(grpc::ServerContext*, const runtime::v1::PullImageRequest* req,
                         runtime::v1::PullImageResponse* resp) override;
  grpc::Status RemoveImage(grpc::ServerContext*, const runtime::v1::RemoveImageRequest* req,
                           runtime::v1::RemoveImageResponse*) override;
  grpc::Status ImageFsInfo(grpc::ServerContext*, const runtime::v1::ImageFsInfoRequest*,
                           runtime::v1::ImageFsInfoResponse* resp) override;

 private:
  ImageStore* store_;
  PullOptions defaults_;
};

// ImageRecord → CRI Image (uid or username from the config's User).
void fillImage(const ImageRecord& rec, runtime::v1::Image* out);

}  // namespace orch::shim
