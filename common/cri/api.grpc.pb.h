#pragma once
// The CRI v1 gRPC services (runtime::v1::RuntimeService, runtime::v1::ImageService: Stub for
// clients, Service / AsyncService for servers), generated from common/cri/api.proto into
// <builddir>/common/cri/gen. Include this wrapper, never the generated header itself.

// First, so that the generated messages are read with the <signal.h> macros set aside (see
// there); the generated service header includes them again, which is then a no-op.
#include "common/cri/api.pb.h"  // IWYU pragma: export
// Keep the order above.
#include "common/cri/gen/api.grpc.pb.h"  // IWYU pragma: export
