"""pytest fixtures for namespaces, shared by the root tiers (import them in a conftest)."""

import pytest

from .netns import MirrorLink, Netns


@pytest.fixture
def sensor_ns():
    ns = Netns("sfs")
    try:
        yield ns
    finally:
        ns.delete()


@pytest.fixture
def injector_ns():
    ns = Netns("sfi")
    try:
        yield ns
    finally:
        ns.delete()


@pytest.fixture
def mirror_link(sensor_ns, injector_ns):
    """A veth mirror port in sensor_ns fed from injector_ns; deleted with the namespaces."""
    return MirrorLink(sensor_ns, injector_ns)
