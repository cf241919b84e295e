"""Model files: exact round trips, atomic writes, and one clear error for every bad file."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import pytest

from autograd_mini.nn import FORMAT_NAME, FORMAT_VERSION, MLP, ModelFileError


def _outputs(model: MLP, xs: list[list[float]]) -> list[Any]:
    out = []
    for x in xs:
        y = model(x)
        out.append(y.data if not isinstance(y, list) else [v.data for v in y])
    return out


@pytest.fixture
def saved(tmp_path: Path) -> tuple[MLP, Path]:
    model = MLP(3, [5, 4, 2], "tanh", seed=9)
    path = tmp_path / "model.json"
    model.save(path)
    return model, path


def _content(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _write(path: Path, content: object) -> Path:
    path.write_text(json.dumps(content))
    return path


class TestRoundTrip:
    @pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "linear"])
    def test_bit_identical_outputs(self, tmp_path: Path, activation: str) -> None:
        model = MLP(4, [7, 3], activation, output_activation="sigmoid", seed=1)
        rng = random.Random(0)
        for p in model.parameters():  # awkward floats: full precision must survive
            p.data = rng.gauss(0, 1) / 3 + 1e-17
        model.save(tmp_path / "m.json")
        loaded = MLP.load(tmp_path / "m.json")
        xs = [[rng.uniform(-3, 3) for _ in range(4)] for _ in range(20)]
        assert _outputs(loaded, xs) == _outputs(model, xs)
        assert [p.data for p in loaded.parameters()] == [p.data for p in model.parameters()]
        assert [n for n, _ in loaded.named_parameters()] == [n for n, _ in model.named_parameters()]
        assert (loaded.activation, loaded.output_activation) == (activation, "sigmoid")

    def test_file_content(self, saved: tuple[MLP, Path]) -> None:
        model, path = saved
        content = _content(path)
        assert content["format"] == FORMAT_NAME and content["version"] == FORMAT_VERSION
        assert content["architecture"] == {
            "nin": 3,
            "nouts": [5, 4, 2],
            "activation": "tanh",
            "output_activation": "linear",
        }
        assert content["layers"][1]["weights"][2][3] == model.layers[1].neurons[2].w[3].data
        assert b"pickle" not in path.read_bytes()

    def test_load_does_not_touch_global_random(self, saved: tuple[MLP, Path]) -> None:
        state = random.getstate()
        MLP.load(saved[1])
        assert random.getstate() == state

    def test_str_path_and_overwrite(self, tmp_path: Path) -> None:
        path = str(tmp_path / "m.json")
        MLP(2, [1], seed=0).save(path)
        MLP(2, [3, 1], seed=1).save(path)
        assert MLP.load(path).nouts == [3, 1]
        assert sorted(os.listdir(tmp_path)) == ["m.json"]


class TestAtomicWrite:
    def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(
        self, saved: tuple[MLP, Path], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _, path = saved
        before = path.read_bytes()

        def crash(src: str, dst: str) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "replace", crash)
        with pytest.raises(ModelFileError, match=r"cannot be written \(No space left on device"):
            MLP(3, [2], seed=0).save(path)
        assert path.read_bytes() == before
        assert os.listdir(path.parent) == ["model.json"]

    def test_an_interrupted_write_keeps_the_old_file(
        self, saved: tuple[MLP, Path], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _, path = saved
        before = path.read_bytes()

        def interrupted(fd: int) -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr(os, "fsync", interrupted)
        with pytest.raises(KeyboardInterrupt):
            MLP(3, [2], seed=0).save(path)
        assert path.read_bytes() == before
        assert os.listdir(path.parent) == ["model.json"]

    def test_non_finite_parameters_are_not_saved(self, saved: tuple[MLP, Path]) -> None:
        _, path = saved
        before = path.read_bytes()
        bad = MLP(3, [2], seed=0)
        bad.layers[0].neurons[1].w[2].data = float("nan")
        with pytest.raises(ModelFileError, match="non-finite parameter w_123 = nan"):
            bad.save(path)
        assert path.read_bytes() == before

    def test_missing_folder(self, tmp_path: Path) -> None:
        with pytest.raises(ModelFileError, match="cannot be written"):
            MLP(2, [1], seed=0).save(tmp_path / "no" / "such" / "m.json")


def _mutations() -> list[tuple[str, Any, str]]:
    """(case, function editing the content, expected message part)."""

    def set_(keys: list[Any], value: Any) -> Any:
        def edit(c: dict[str, Any]) -> dict[str, Any]:
            target = c
            for k in keys[:-1]:
                target = target[k]
            target[keys[-1]] = value
            return c

        return edit

    def drop(keys: list[Any]) -> Any:
        def edit(c: dict[str, Any]) -> dict[str, Any]:
            target = c
            for k in keys[:-1]:
                target = target[k]
            del target[keys[-1]]
            return c

        return edit

    return [
        ("wrong format", set_(["format"], "keras"), "format is 'keras'"),
        ("version 2", set_(["version"], 2), "unsupported version 2"),
        ("version string", set_(["version"], "1"), "unsupported version '1'"),
        ("version bool", set_(["version"], True), "unsupported version True"),
        ("no version", drop(["version"]), "missing key 'version'"),
        ("no architecture", drop(["architecture"]), "missing key 'architecture'"),
        ("no nouts", drop(["architecture", "nouts"]), "missing key 'nouts' in architecture"),
        ("no layers", drop(["layers"]), "missing key 'layers'"),
        ("no biases", drop(["layers", 1, "biases"]), "missing key 'biases' in layers.1."),
        ("bad activation", set_(["architecture", "activation"], "softmax"), "'softmax' is not one"),
        ("zero width", set_(["architecture", "nouts", 0], 0), r"nouts\[0\] must be a positive"),
        ("too few layers", drop(["layers", 2]), "'layers' has 2 entries, the architecture needs 3"),
        ("short row", drop(["layers", 0, "weights", 1, 2]), r"weights\[1\] has 2 entries"),
        ("missing row", drop(["layers", 2, "weights", 0]), "must be a list of 2 rows"),
        ("short biases", drop(["layers", 1, "biases", 0]), r"layers\[1\]\.biases has 3 entries"),
        ("string weight", set_(["layers", 0, "weights", 0, 0], "0.5"), "must be a number"),
        ("bool weight", set_(["layers", 0, "weights", 0, 0], True), "must be a number"),
        ("null bias", set_(["layers", 0, "biases", 0], None), "must be a number"),
        ("layer not object", set_(["layers", 0], [1, 2]), r"layers\[0\] must be a JSON object"),
    ]


class TestBadFiles:
    @pytest.mark.parametrize(
        ("case", "edit", "match"), _mutations(), ids=[m[0] for m in _mutations()]
    )
    def test_each_problem_is_one_clear_error(
        self, saved: tuple[MLP, Path], case: str, edit: Any, match: str
    ) -> None:
        _, path = saved
        _write(path, edit(_content(path)))
        with pytest.raises(ModelFileError, match=match) as error:
            MLP.load(path)
        assert str(path) in str(error.value) and isinstance(error.value, ValueError)

    def test_truncated(self, saved: tuple[MLP, Path]) -> None:
        _, path = saved
        text = path.read_bytes()
        for cut in (0, 1, len(text) // 2, len(text) - 3):
            path.write_bytes(text[:cut])
            with pytest.raises(ModelFileError, match=r"not valid JSON \(truncated or corrupt"):
                MLP.load(path)

    def test_corrupt_bytes(self, saved: tuple[MLP, Path]) -> None:
        _, path = saved
        data = bytearray(path.read_bytes())
        data[40:44] = b"\xff\xfe\x00\x81"
        path.write_bytes(bytes(data))
        with pytest.raises(ModelFileError, match="not valid JSON"):
            MLP.load(path)

    @pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e400"])
    def test_non_finite_weights(self, saved: tuple[MLP, Path], token: str) -> None:
        _, path = saved
        content = _content(path)
        content["layers"][1]["weights"][0][0] = 12345.5
        path.write_text(json.dumps(content).replace("12345.5", token))
        with pytest.raises(ModelFileError, match=r"non-finite|not finite"):
            MLP.load(path)

    def test_not_an_object(self, tmp_path: Path) -> None:
        with pytest.raises(ModelFileError, match="the file must be a JSON object, got list"):
            MLP.load(_write(tmp_path / "m.json", [1, 2, 3]))

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(ModelFileError, match=r"cannot be read \(No such file"):
            MLP.load(tmp_path / "absent.json")

    def test_from_dict_validates_too(self) -> None:
        with pytest.raises(ModelFileError, match="'<dict>': missing key 'format'"):
            MLP.from_dict({})
        model = MLP(2, [2, 1], seed=3)
        assert [p.data for p in MLP.from_dict(model.to_dict()).parameters()] == [
            p.data for p in model.parameters()
        ]


class TestHostileFiles:
    """Files no writer produces; each must still be one ModelFileError, never another
    exception escaping from the JSON parser or the validator."""

    def test_deeply_nested_json(self, saved: tuple[MLP, Path]) -> None:
        _, path = saved
        path.write_text("[" * 5_000)  # within the list count, deeper than the parser goes
        with pytest.raises(ModelFileError, match="nested too deeply"):
            MLP.load(path)
        path.write_text("[" * 100_000)  # issue 15: refused by the list count, before parsing
        with pytest.raises(ModelFileError, match="100000 JSON lists"):
            MLP.load(path)

    def test_integer_weight_too_large_for_a_float(self, saved: tuple[MLP, Path]) -> None:
        _, path = saved
        content = _content(path)
        content["layers"][0]["weights"][1][2] = 10**400
        _write(path, content)
        with pytest.raises(ModelFileError, match=r"layers\[0\]\.weights\[1\]\[2\] is not finite"):
            MLP.load(path)

    @pytest.mark.parametrize(
        ("keys", "value", "match"),
        [
            (["architecture", "activation"], ["relu"], "architecture.activation"),
            (["architecture", "output_activation"], {"a": 1}, "architecture.output_activation"),
            (["format"], {"name": FORMAT_NAME}, "format is"),
            (["version"], 1.0, "unsupported version 1.0"),
            (["architecture", "nin"], 3.0, r"architecture\.nin must be a positive integer"),
            (["architecture", "nin"], True, r"architecture\.nin must be a positive integer"),
            (["architecture", "nouts"], [4, False], r"nouts\[1\] must be a positive integer"),
        ],
    )
    def test_wrong_types(
        self, saved: tuple[MLP, Path], keys: list[str], value: Any, match: str
    ) -> None:
        _, path = saved
        content = _content(path)
        target = content
        for k in keys[:-1]:
            target = target[k]
        target[keys[-1]] = value
        _write(path, content)
        with pytest.raises(ModelFileError, match=match):
            MLP.load(path)

    @pytest.mark.parametrize(
        ("where", "match"),
        [
            ([], "unexpected key 'comment' in the file"),
            (["architecture"], "unexpected key 'comment' in architecture"),
            (["layers", 1], r"unexpected key 'comment' in layers\[1\]"),
        ],
    )
    def test_unknown_keys_are_refused(
        self, saved: tuple[MLP, Path], where: list[Any], match: str
    ) -> None:
        """A key this version does not know (a newer writer's field, a typo) is refused rather
        than silently dropped."""
        _, path = saved
        content = _content(path)
        target = content
        for k in where:
            target = target[k]
        target["comment"] = "x"
        _write(path, content)
        with pytest.raises(ModelFileError, match=match):
            MLP.load(path)

    def test_duplicate_keys_are_refused(self, saved: tuple[MLP, Path]) -> None:
        """JSON parsers disagree on which duplicate wins; the file is ambiguous, so refused."""
        _, path = saved
        text = path.read_text()
        path.write_text(text.replace('"format":', '"version": 1, "format":', 1))
        with pytest.raises(ModelFileError, match="duplicate key 'version'"):
            MLP.load(path)

    def test_another_programs_json_is_named_by_its_format(self, tmp_path: Path) -> None:
        path = _write(tmp_path / "m.json", {"format": "keras", "config": {}, "weights": []})
        with pytest.raises(ModelFileError, match="format is 'keras'"):
            MLP.load(path)


def test_oversized_file_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrong path to a huge file (or a device like /dev/zero) must not exhaust memory."""
    from autograd_mini import modelfile  # the limit lives with the file format

    path = tmp_path / "m.json"
    MLP(3, [4, 2], seed=0).save(path)
    size = path.stat().st_size
    monkeypatch.setattr(modelfile, "MAX_FILE_BYTES", size - 1)
    with pytest.raises(ModelFileError, match=f"larger than {size - 1} bytes"):
        MLP.load(path)
    monkeypatch.setattr(modelfile, "MAX_FILE_BYTES", size)
    assert MLP.load(path).nouts == [4, 2]
    if Path("/dev/zero").exists():  # issue 15: refused as a device, before any read
        with pytest.raises(ModelFileError, match="not a regular file"):
            MLP.load("/dev/zero")


# -- issue 15, items 4 and 5: tamper-evident files, bounded costs, bounded messages -----------


class TestIntegrity:
    def test_the_file_carries_the_sha256_of_its_canonical_content(
        self, saved: tuple[MLP, Path]
    ) -> None:
        import hashlib

        content = _content(saved[1])
        digest = content.pop("sha256")
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), allow_nan=False)
        assert digest == hashlib.sha256(canonical.encode("ascii")).hexdigest()

    def test_one_changed_digit_of_a_weight_is_refused(self, saved: tuple[MLP, Path]) -> None:
        model, path = saved
        w = model.layers[1].neurons[2].w[3].data
        text = path.read_text()
        old = repr(w)
        new = old[:-1] + ("1" if old[-1] != "1" else "2")  # the last digit, still a number
        assert old[-1].isdigit() and text.count(old) == 1
        path.write_text(text.replace(old, new))
        with pytest.raises(ModelFileError, match="integrity check failed") as error:
            MLP.load(path)
        assert str(path) in str(error.value) and len(str(error.value).splitlines()) == 1

    def test_random_corruptions_never_load_as_a_different_model(
        self, saved: tuple[MLP, Path]
    ) -> None:
        """The adversarial run's 3,000 random corruptions loaded a different model 6% of the
        time; now each one either fails clearly or loads exactly the saved model."""
        model, path = saved
        good = path.read_bytes()
        params = [p.data for p in model.parameters()]
        rng = random.Random(15)
        loaded_same = refused = 0
        for _ in range(300):
            data = bytearray(good)
            for _ in range(rng.choice([1, 1, 2, 3])):
                data[rng.randrange(len(data))] = rng.choice(b'0123456789.-+eE ,[]{}"x')
            path.write_bytes(bytes(data))
            try:
                copy = MLP.load(path)
            except ModelFileError:
                refused += 1
                continue
            assert [p.data for p in copy.parameters()] == params
            assert (copy.nin, copy.nouts, copy.activation) == (model.nin, model.nouts, "tanh")
            loaded_same += 1
        assert refused > 200  # most corruptions change the content

    def test_an_old_file_without_a_checksum_loads_with_a_warning(
        self, saved: tuple[MLP, Path]
    ) -> None:
        from autograd_mini.modelfile import ModelFileWarning

        model, path = saved
        content = _content(path)
        del content["sha256"]
        _write(path, content)
        with pytest.warns(ModelFileWarning, match=r"has no integrity check .*save it again"):
            copy = MLP.load(path)
        assert [p.data for p in copy.parameters()] == [p.data for p in model.parameters()]

    @pytest.mark.parametrize("digest", ["abc", 5, "g" * 64, "A" * 64])
    def test_a_malformed_checksum_is_refused(self, saved: tuple[MLP, Path], digest: object) -> None:
        _, path = saved
        content = _content(path)
        content["sha256"] = digest
        _write(path, content)
        with pytest.raises(ModelFileError, match="sha256 must be 64 lowercase hex digits"):
            MLP.load(path)

    def test_from_dict_accepts_content_with_or_without_the_checksum(self) -> None:
        from autograd_mini.modelfile import to_dict

        model = MLP(2, [2, 1], seed=1)
        content = to_dict(model)
        assert "sha256" not in content  # the checksum belongs to the file, not the content
        assert MLP.from_dict(content).nouts == [2, 1]

    def test_from_dict_checks_a_checksum_it_is_given(self, saved: tuple[MLP, Path]) -> None:
        content = _content(saved[1])
        assert MLP.from_dict(content).nouts == [5, 4, 2]
        content["layers"][0]["biases"][0] += 1.0
        with pytest.raises(ModelFileError, match=r"'m\.json': integrity check failed"):
            MLP.from_dict(content, "m.json")


class TestLimits:
    def test_the_limits_are_proportionate_to_a_scalar_network(self) -> None:
        from autograd_mini import modelfile

        assert modelfile.MAX_PARAMETERS == 100_000
        assert modelfile.MAX_NEURONS == 10_000
        assert modelfile.MAX_LAYERS == 64
        assert modelfile.MAX_FILE_BYTES == 8 * 2**20

    def test_a_17_mib_file_is_refused_unread_and_fast(self, tmp_path: Path) -> None:
        import time

        path = tmp_path / "big.json"
        with open(path, "wb") as f:
            f.truncate(17 * 2**20)  # sparse: the size is what is checked first
        start = time.perf_counter()
        with pytest.raises(ModelFileError, match=r"larger than 8388608 bytes"):
            MLP.load(path)
        assert time.perf_counter() - start < 0.5

    @pytest.mark.parametrize(
        ("nin", "nouts", "match"),
        [
            (1, [1_000_000], r"1000004 JSON lists, more than a network within the limits"),
            (1, [20_000], r"20004 JSON lists, more than a network within the limits"),
            (400, [300, 1], r"120\d\d\d JSON values, more than a network within the limits"),
            (1, [5_000, 1, 5_001], r"10002 neurons; the limit is 10000"),
            (10_000, [10, 1], r"100021 parameters; the limit is 100000"),
            (1, [1] * 65, r"65 layers; the limit is 64"),
        ],
    )
    def test_a_network_over_the_limits_is_refused_from_its_architecture(
        self, tmp_path: Path, nin: int, nouts: list[int], match: str
    ) -> None:
        """10⁶ neurons in 6 MB of valid JSON took 45 s and 2.3 GB; now refused in well under
        a second, before any weight is validated or any Value is built."""
        import time

        sizes = [nin, *nouts]
        layers = [
            {"weights": [[0] * sizes[k]] * sizes[k + 1], "biases": [0] * sizes[k + 1]}
            for k in range(len(nouts))
        ]
        content = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "architecture": {
                "nin": nin,
                "nouts": nouts,
                "activation": "relu",
                "output_activation": "linear",
            },
            "layers": layers,
        }
        path = tmp_path / "m.json"
        path.write_text(json.dumps(content, separators=(",", ":")))
        assert path.stat().st_size < 8 * 2**20
        start = time.perf_counter()
        with pytest.raises(ModelFileError, match=match):
            MLP.load(path)
        assert time.perf_counter() - start < 2.0

    def test_a_network_at_the_limits_loads(self, tmp_path: Path) -> None:
        model = MLP(269, [369, 1], seed=0)  # 369·(269 + 1) + (369 + 1) = 100,000 parameters
        assert len(model.parameters()) == 100_000
        path = tmp_path / "m.json"
        model.save(path)
        assert path.stat().st_size < 8 * 2**20
        assert MLP.load(path).nouts == [369, 1]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_loading_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    import threading

    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    errors: list[BaseException] = []

    def load() -> None:
        try:
            MLP.load(fifo)
        except BaseException as error:
            errors.append(error)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(5.0)
    if worker.is_alive():
        with open(fifo, "wb"):
            pass
        pytest.fail("MLP.load blocked on a FIFO")
    assert len(errors) == 1 and isinstance(errors[0], ModelFileError)
    assert "is not a regular file (a FIFO)" in str(errors[0])


@pytest.mark.parametrize(
    "edit",
    [
        lambda c: c.update(format="x" * 5_000_000),
        lambda c: c.update(version="9" * 100_000),
        lambda c: c["architecture"].update(activation="y" * 100_000),
        lambda c: c["architecture"].update(nouts=list(range(100_000))),
        lambda c: c["layers"][0]["weights"][0].__setitem__(0, "z" * 100_000),
        lambda c: c.update({"k" * 100_000: 1}),
        lambda c: c.update(sha256="f" * 100_000),
    ],
)
def test_error_messages_quote_at_most_a_few_dozen_characters_of_the_file(
    saved: tuple[MLP, Path], edit: Any
) -> None:
    """A 5 MB "format" gave a 5,000,090-character error."""
    _, path = saved
    content = _content(path)
    edit(content)
    _write(path, content)
    with pytest.raises(ModelFileError) as error:
        MLP.load(path)
    message = str(error.value)
    assert len(message) < len(str(path)) + 200, message[:300]
    assert len(message.splitlines()) == 1
