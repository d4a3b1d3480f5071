#include <gtest/gtest.h>

#include "common/api/types.h"

namespace orch::api {
namespace {

std::string errorOf(const Status& s) {
  return s.context();
}

template <class T>
std::string decodeError(std::string_view text) {
  auto r = parse<T>(text);
  EXPECT_FALSE(r.ok()) << "decoded without error: " << text;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), EINVAL);
  return errorOf(r.status());
}

TEST(CodecTest, ErrorsNameTheFieldPath) {
  EXPECT_EQ(
      decodeError<Pod>(R"({"spec":{"containers":[{"name":"a","ports":[{"containerPort":"x"}]}]}})"),
      "spec.containers[0].ports[0].containerPort: expected integer, got string");
  EXPECT_EQ(
      decodeError<Pod>(
          R"({"spec":{"containers":[{"name":"a"},{"name":"b","ports":[{"containerPort":1},{"containerPort":1.5}]}]}})"),
      "spec.containers[1].ports[1].containerPort: expected integer, got fractional number");
  EXPECT_EQ(decodeError<Pod>(R"({"metadata":{"labels":{"app":5}}})"),
            "metadata.labels.app: expected string, got integer");
  EXPECT_EQ(decodeError<Pod>(R"({"spec":{"containers":{}}})"),
            "spec.containers: expected array, got object");
  EXPECT_EQ(decodeError<Pod>(R"({"spec":{"hostNetwork":"yes"}})"),
            "spec.hostNetwork: expected boolean, got string");
  EXPECT_EQ(decodeError<Pod>(
                R"({"spec":{"containers":[{"name":"a","ports":[{"containerPort":4294967296}]}]}})"),
            "spec.containers[0].ports[0].containerPort: integer 4294967296 out of range");
  EXPECT_EQ(decodeError<Pod>(R"({"status":{"startTime":"yesterday"}})"),
            "status.startTime: invalid RFC 3339 time \"yesterday\": expected YYYY-MM-DDTHH:MM:SS");
  std::string q = decodeError<Pod>(
      R"({"spec":{"containers":[{"name":"a","resources":{"limits":{"cpu":"lots"}}}]}})");
  EXPECT_EQ(q.rfind("spec.containers[0].resources.limits.cpu: invalid quantity \"lots\"", 0), 0u)
      << q;
  EXPECT_EQ(
      decodeError<Pod>(
          R"({"spec":{"volumes":[{"name":"a"},{"name":"b","configMap":{"items":[{"key":"k","path":"p","mode":"0644"}]}}]}})"),
      "spec.volumes[1].configMap.items[0].mode: expected integer, got string");
  EXPECT_EQ(decodeError<Pod>(R"([1,2])"), "expected object, got array");
  EXPECT_EQ(decodeError<Secret>(R"({"data":{"tls.key":"not base64!"}})")
                .rfind("data.tls.key: invalid base64", 0),
            0u);
  EXPECT_EQ(decodeError<Service>(R"({"spec":{"ports":[{"port":80,"targetPort":true}]}})"),
            "spec.ports[0].targetPort: expected integer or string, got boolean");
}

TEST(CodecTest, MalformedJsonGivesTheParserPosition) {
  auto r = parse<Pod>(R"({"metadata": {"name": "x",}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), EINVAL);
  EXPECT_NE(errorOf(r.status()).find("malformed JSON"), std::string::npos);
  EXPECT_NE(errorOf(r.status()).find("line 1, column"), std::string::npos) << errorOf(r.status());
}

TEST(CodecTest, NullIsAbsent) {
  auto p = parse<Pod>(
      R"({"metadata":{"name":"a","labels":null,"creationTimestamp":null},"spec":{"containers":null,"nodeName":null}})");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->metadata.name, "a");
  EXPECT_TRUE(p->metadata.labels.empty());
  EXPECT_FALSE(p->metadata.creationTimestamp.has_value());
  EXPECT_TRUE(p->spec.containers.empty());
}

TEST(CodecTest, UnknownFieldsSurviveDecodeModifyEncode) {
  const char* text = R"({
    "apiVersion": "v1", "kind": "Pod", "futureTopLevel": {"a": [1, 2]},
    "metadata": {"name": "p", "namespace": "ns", "creationTimestamp": "2026-11-27T16:25:49Z",
                 "futureMeta": "m"},
    "spec": {"containers": [{"name": "c", "image": "busybox", "resources": {},
                             "futureContainerField": {"deep": true},
                             "resizePolicy": [{"resourceName": "cpu", "restartPolicy": "NotRequired"}]}],
             "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"}]},
    "status": {"phase": "Pending", "futureStatus": 7,
               "containerStatuses": [{"name": "c", "ready": false, "restartCount": 0, "image": "busybox",
                                      "imageID": "", "state": {"waiting": {"reason": "ContainerCreating", "futureWaiting": 1}},
                                      "lastState": {}, "allocatedResources": {"cpu": "1"}}]}
  })";
  auto p = parse<Pod>(text);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->unknown_fields["futureTopLevel"], Json::parse(R"({"a":[1,2]})"));
  EXPECT_EQ(p->metadata.unknown_fields["futureMeta"], "m");
  EXPECT_EQ(p->spec.containers[0].unknown_fields["futureContainerField"]["deep"], true);
  EXPECT_TRUE(p->spec.unknown_fields.contains("topologySpreadConstraints"));
  EXPECT_EQ(p->status.unknown_fields["futureStatus"], 7);
  EXPECT_EQ(p->status.containerStatuses[0].state.waiting->unknown_fields["futureWaiting"], 1);
  EXPECT_FALSE(p->spec.unknown_fields.contains("containers"));

  // Unchanged: identical JSON.
  EXPECT_EQ(encode(*p), Json::parse(text));
  // Modified: the change is there and nothing else is lost.
  p->metadata.labels["app"] = "x";
  p->spec.containers[0].image = "busybox:2";
  p->status.phase = "Running";
  Json expect = Json::parse(text);
  expect["metadata"]["labels"] = {{"app", "x"}};
  expect["spec"]["containers"][0]["image"] = "busybox:2";
  expect["status"]["phase"] = "Running";
  EXPECT_EQ(encode(*p), expect);
  // A known field never gets overwritten by a stale unknown one.
  p->unknown_fields["kind"] = "NotAPod";
  EXPECT_EQ(encode(*p)["kind"], "Pod");
}

TEST(CodecTest, StrictDecodingRejectsUnknownFieldsByPath) {
  auto r = decodeStrict<Pod>(
      Json::parse(R"({"spec":{"containers":[{"name":"a"},{"name":"b","imagePolicy":"x"}]}})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(errorOf(r.status()), "spec.containers[1].imagePolicy: unknown field");
  EXPECT_FALSE(StrictDecoding::active());
  EXPECT_TRUE(decode<Pod>(Json::parse(R"({"spec":{"x":1}})")).ok());
}

TEST(CodecTest, OmitsUnsetFieldsAndFillsTypeMeta) {
  Pod p;
  EXPECT_EQ(encode(p), Json::parse(R"({"apiVersion":"v1","kind":"Pod",
      "metadata":{"creationTimestamp":null},"spec":{"containers":[]},"status":{}})"));
  Deployment d;
  d.metadata.name = "web";
  d.spec.replicas = 0;  // set to zero: written (a pointer upstream)
  Json j = encode(d);
  EXPECT_EQ(j["apiVersion"], "apps/v1");
  EXPECT_EQ(j["kind"], "Deployment");
  EXPECT_EQ(j["spec"]["replicas"], 0);
  EXPECT_FALSE(j["spec"].contains("paused"));
  EXPECT_FALSE(j["spec"].contains("selector"));
  EXPECT_EQ(apiVersionOf<Deployment>(), "apps/v1");
  EXPECT_EQ(apiVersionOf<Pod>(), "v1");
  EXPECT_EQ(apiVersionOf<EndpointSlice>(), "discovery.k8s.io/v1");
  EXPECT_EQ(apiVersionOf<ClusterRoleBinding>(), "rbac.authorization.k8s.io/v1");
  EXPECT_FALSE(Node::kNamespaced);
  EXPECT_EQ(Lease::kPlural, "leases");
  // serialize() is compact JSON.
  EXPECT_EQ(
      serialize(Namespace{}),
      R"({"apiVersion":"v1","kind":"Namespace","metadata":{"creationTimestamp":null},"spec":{},"status":{}})");
}

TEST(CodecTest, ListEnvelope) {
  auto l = parse<List<Pod>>(R"({"apiVersion":"v1","kind":"PodList",
      "metadata":{"resourceVersion":"12","continue":"abc","remainingItemCount":3},
      "items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"},"spec":{"nodeName":"n"}}]})");
  ASSERT_TRUE(l.ok()) << l.status().message();
  EXPECT_EQ(l->metadata.resourceVersion, "12");
  EXPECT_EQ(l->metadata.continue_, "abc");
  EXPECT_EQ(l->metadata.remainingItemCount, 3);
  ASSERT_EQ(l->items.size(), 2u);
  EXPECT_EQ(l->items[1].spec.nodeName, "n");

  List<Service> empty;
  EXPECT_EQ(encode(empty),
            Json::parse(R"({"apiVersion":"v1","kind":"ServiceList","metadata":{},"items":[]})"));
  auto bad = parse<List<Pod>>(R"({"items":[{},{"spec":{"priority":"high"}}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(errorOf(bad.status()), "items[1].spec.priority: expected integer, got string");
}

TEST(CodecTest, ApiStatus) {
  const char* text = R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
      "message":"pods \"web\" not found","reason":"NotFound",
      "details":{"name":"web","kind":"pods"},"code":404})";
  auto s = parse<ApiStatus>(text);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->code, 404);
  EXPECT_EQ(s->reason, "NotFound");
  ASSERT_TRUE(s->details.has_value());
  EXPECT_EQ(s->details->name, "web");
  EXPECT_EQ(encode(*s), Json::parse(text));

  auto inv = parse<ApiStatus>(R"({"status":"Failure","reason":"Invalid","code":422,
      "details":{"name":"web","kind":"Pod","causes":[{"reason":"FieldValueRequired",
      "message":"Required value","field":"spec.containers[0].image"}],"retryAfterSeconds":2}})");
  ASSERT_TRUE(inv.ok());
  EXPECT_EQ(inv->details->causes.at(0).field, "spec.containers[0].image");
  EXPECT_EQ(inv->details->retryAfterSeconds, 2);

  ApiStatus c =
      failureStatus(409, "Conflict", "the object has been modified", "web", "pods", "apps");
  EXPECT_EQ(encode(c), Json::parse(R"({"apiVersion":"v1","kind":"Status","metadata":{},
      "status":"Failure","message":"the object has been modified","reason":"Conflict","code":409,
      "details":{"name":"web","kind":"pods","group":"apps"}})"));
}

TEST(CodecTest, WatchEvents) {
  auto e = parse<WatchEvent>(
      R"({"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","resourceVersion":"5"}}})");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->type, "ADDED");
  auto pod = decode<Pod>(e->object);
  ASSERT_TRUE(pod.ok());
  EXPECT_EQ(pod->metadata.resourceVersion, "5");

  auto err = parse<WatchEvent>(
      R"({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410,"message":"too old resource version"}})");
  ASSERT_TRUE(err.ok());
  auto st = decode<ApiStatus>(err->object);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->code, 410);

  auto bm = parse<WatchEvent>(
      R"({"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"99","annotations":{"k8s.io/initial-events-end":"true"}}}})");
  ASSERT_TRUE(bm.ok());
  EXPECT_EQ(encode(*bm)["object"]["metadata"]["resourceVersion"], "99");

  EXPECT_EQ(decodeError<WatchEvent>(R"({"object":{}})"), "type: missing watch event type");
  EXPECT_EQ(decodeError<WatchEvent>(R"({"type":"ADDED","object":"x"})"),
            "object: expected object, got string");
}

TEST(CodecTest, OwnerReferencesAndControllerOf) {
  auto m = parse<ObjectMeta>(R"({"ownerReferences":[
      {"apiVersion":"v1","kind":"Node","name":"n","uid":"1"},
      {"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"2","controller":true}]})");
  ASSERT_TRUE(m.ok());
  const OwnerReference* c = controllerOf(*m);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->name, "rs");
  EXPECT_EQ(controllerOf(ObjectMeta{}), nullptr);
}

}  // namespace
}  // namespace orch::api
