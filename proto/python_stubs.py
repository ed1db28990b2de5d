"""Python messages and grpcio stubs generated from these proto files, for the repository's
Python clients (tests/python, benches/soak.py). Needs grpcio-tools."""
import os
import sys
import tempfile

PROTO_DIR = os.path.dirname(os.path.abspath(__file__))


def generate():
    """Generates the stubs into a temporary directory and makes `petition_router.v1` importable."""
    from grpc_tools import protoc

    out = tempfile.mkdtemp(prefix="petition-router-stubs-")
    for name in ("router", "admin"):
        code = protoc.main([
            "protoc", f"-I{PROTO_DIR}", f"--python_out={out}", f"--grpc_python_out={out}",
            f"{PROTO_DIR}/petition_router/v1/{name}.proto",
        ])
        if code != 0:
            sys.exit(f"protoc failed on {name}.proto")
    sys.path.insert(0, out)
