"""A Python grpcio client of petition-router over TLS: routes one petition, and checks that an
admin call without the admin token is refused. Run by tests/security.rs.

usage: route_over_tls.py HOST:PORT CA_PEM CLIENT_TOKEN
"""
import sys
from pathlib import Path

import grpc

# The stubs are generated from the repository's proto files.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "proto"))
import python_stubs  # noqa: E402


def main():
    address, ca, token = sys.argv[1:4]
    python_stubs.generate()
    from petition_router.v1 import admin_pb2, admin_pb2_grpc, router_pb2, router_pb2_grpc

    with open(ca, "rb") as f:
        credentials = grpc.ssl_channel_credentials(root_certificates=f.read())
    # The test certificate names localhost; the server listens on 127.0.0.1.
    options = [("grpc.ssl_target_name_override", "localhost")]
    with grpc.secure_channel(address, credentials, options) as channel:
        router = router_pb2_grpc.RouterServiceStub(channel)
        answer = router.Route(
            router_pb2.RouteRequest(content="小区门口的路灯坏了一个多月，晚上出行很不安全，请尽快修复。"),
            metadata=[("authorization", f"Bearer {token}")],
            timeout=10,
        )
        assert answer.suggestions, "no suggestion"
        print("routed", answer.suggestions[0].department_code)

        admin = admin_pb2_grpc.AdminServiceStub(channel)
        try:
            admin.GetModelInfo(admin_pb2.GetModelInfoRequest(), timeout=10)
        except grpc.RpcError as e:
            assert e.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED), e
            print("admin refused", e.code().name)
        else:
            sys.exit("an admin call without the token was answered")


if __name__ == "__main__":
    main()
