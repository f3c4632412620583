import numpy as np
import pytest

from explorer.plane import latent


def test_grid_points_layout():
    pts = latent.grid_points(3, -1, 1)
    assert pts.shape == (9, 2)
    assert pts[0].tolist() == [-1, 1]  # top-left: smallest z[0], largest z[1]
    assert pts[-1].tolist() == [1, -1]


def test_normal_spacing_is_symmetric_and_denser_in_the_middle():
    axis = latent.grid_axis(10, -5, 5, "normal")
    assert np.allclose(axis, -axis[::-1], atol=1e-6)
    gaps = np.diff(axis)
    assert gaps[4] < gaps[0]
    with pytest.raises(ValueError):
        latent.grid_axis(3, 0, 1, "log")


def test_decode_grid_and_tile(conv_model):
    grid = latent.decode_grid(conv_model, 4, -2, 2)
    assert grid.shape == (4, 4, 28, 28) and grid.dtype == np.float32
    assert 0 <= grid.min() and grid.max() <= 1
    big = latent.tile(grid)
    assert big.shape == (112, 112)
    assert np.array_equal(big[28:56, 56:84], grid[1, 2])
    assert np.allclose(latent.decode_point(conv_model, (2, 2)), grid[0, 3], atol=1e-6)


def test_encode_all_accepts_bytes_and_floats(conv_model, mnist_test):
    mu_b, lv_b = latent.encode_all(conv_model, mnist_test.images[:50], batch=16)
    mu_f, _ = latent.encode_all(conv_model, mnist_test.images[:50].float() / 255)
    assert mu_b.shape == lv_b.shape == (50, 2)
    assert np.allclose(mu_b, mu_f, atol=1e-5)


@pytest.mark.parametrize("method", ["linear", "slerp"])
def test_interpolation_endpoints(method):
    path = latent.interpolate([1.0, 0.0], [0.0, 2.0], 9, method)
    assert path.shape == (9, 2)
    assert np.allclose(path[0], [1, 0], atol=1e-6) and np.allclose(path[-1], [0, 2], atol=1e-6)


def test_slerp_keeps_the_radius_between_the_endpoints():
    path = latent.interpolate([2.0, 0.0], [-2.0, 0.1], 21, "slerp")
    radii = np.linalg.norm(path, axis=1)
    assert radii.min() > 1.9  # linear would pass near the origin
    straight = latent.interpolate([2.0, 0.0], [-2.0, 0.1], 21, "linear")
    assert np.linalg.norm(straight, axis=1).min() < 0.2


def test_nearest_and_ellipse():
    z = np.array([[0, 0], [1, 1], [5, 5], [0.9, 1.2]], np.float32)
    assert latent.nearest(z, [1, 1], k=2).tolist() == [1, 3]
    e = latent.ellipse([1.0, -1.0], np.log([4.0, 0.25]), n_sigma=2)
    assert np.allclose((e[:, 0] - 1).max(), 4.0, atol=1e-3)  # 2 sigma, sigma = 2
    assert np.allclose((e[:, 1] + 1).max(), 1.0, atol=1e-2)  # 2 sigma, sigma = 0.5


def test_prior_samples_scale_with_the_temperature():
    z1 = latent.prior_samples(20000, 1.0, seed=1)
    z3 = latent.prior_samples(20000, 0.3, seed=1)
    assert z1.shape == (20000, 2) and z1.dtype == np.float32
    assert abs(z1.std() - 1.0) < 0.03 and abs(z3.std() - 0.3) < 0.01
    np.testing.assert_array_equal(latent.prior_samples(5, 1.0, 7), latent.prior_samples(5, 1.0, 7))
    with pytest.raises(ValueError, match="temperature"):
        latent.prior_samples(4, 0.0)


@pytest.mark.parametrize("text,z", [("0.5, -1.2", (0.5, -1.2)), ("(1 2)", (1.0, 2.0)),
                                    ("[-3;4e-1]", (-3.0, 0.4))])
def test_parse_z_reads_what_people_type(text, z):
    assert latent.parse_z(text) == pytest.approx(z)


@pytest.mark.parametrize("text", ["", "1", "1, 2, 3", "a, b", "nan, 1", "inf 0"])
def test_parse_z_refuses_the_rest(text):
    with pytest.raises(ValueError, match="two numbers"):
        latent.parse_z(text)
