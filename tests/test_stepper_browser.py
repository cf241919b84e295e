"""The stepper page in a real browser: Debian's Chromium, headless, driven by selenium
through the system chromedriver (nothing is downloaded), opened from a file:// path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import chromium

from autograd_mini.engine import Value, linear
from autograd_mini.viz import backprop_table, save_stepper
from autograd_mini.viz.labels import num

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    yield from chromium("1400,1000", "stepper-chromium-", logs=True)


def small_network() -> Value:
    """Two tanh neurons sharing their inputs, a linear output, and a squared error: x₁ and
    x₂ each reach the loss along two paths."""
    x1, x2 = Value(0.5, "x_1"), Value(-1.5, "x_2")
    w = [Value(v, f"w_{k}") for k, v in zip((11, 12, 21, 22), (0.8, -0.4, 0.3, 0.9), strict=True)]
    b = Value(0.1, "b_1")
    u1 = linear(w[:2], [x1, x2], b)
    u2 = linear(w[2:], [x1, x2])
    u1.label, u2.label = "u_1", "u_2"
    h1, h2 = u1.tanh(), u2.tanh()
    h1.label, h2.label = "h_1", "h_2"
    wo = [Value(1.5, "v_1"), Value(-2.0, "v_2")]
    y = linear(wo, [h1, h2])
    y.label = "y"
    loss = (y - 0.25) ** 2
    loss.label = "L"
    return loss


TEXTS = (
    "return Array.from(arguments[0].querySelectorAll('text'))"
    ".map(t => t.textContent.replace('\\u200b', '')).join('\\n');"
)


def current(driver: Any) -> str:
    """The texts of the highlighted node, one per line ("" when none is)."""
    from selenium.webdriver.common.by import By

    nodes = driver.find_elements(By.CSS_SELECTOR, "g.node.current")
    assert len(nodes) <= 1
    return str(driver.execute_script(TEXTS, nodes[0])) if nodes else ""


def node_text(driver: Any, name: str) -> str:
    """The texts of the value node whose label is ``name``."""
    script = (
        "for (const g of document.querySelectorAll('g.node')) {"
        "  const t = g.querySelector('text');"
        "  if (t && t.textContent === arguments[0]) { return g; } }"
        "return null;"
    )
    group = driver.execute_script(script, name)
    assert group is not None, name
    return str(driver.execute_script(TEXTS, group))


def severe(driver: Any) -> list[Any]:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def test_next_walks_the_backward_order(driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    loss = small_network()
    rows = list(backprop_table(loss))
    page = save_stepper(loss, tmp_path / "stepper page.html")
    driver.get(page.resolve().as_uri())
    assert severe(driver) == []
    assert current(driver) == ""
    for row in rows:  # before any step, every grad is blank
        assert f"grad {num(row.grad)}" not in node_text(driver, row.name).replace("grad —", "")

    nxt = driver.find_element(By.ID, "next")
    for n, row in enumerate(rows, start=1):
        nxt.click()
        text = current(driver)
        assert text.startswith(row.name + "\n"), (n, row.name, text)
        assert f"grad {num(row.grad)}" in text
        status = driver.find_element(By.ID, "status").text
        assert status.startswith(f"step {n} of {len(rows)}: {row.name}, grad = {num(row.grad)}")
        first = driver.find_element(By.ID, "explain").text.splitlines()[0]
        lhs = f"∂L/∂{row.name}" if " " not in row.name else f"∂L/∂({row.name})"
        assert first.startswith((f"{lhs} = ", "δ")), (row.name, first)
        assert first.endswith(num(row.grad)) or f"{lhs} = {num(row.grad)}  (" in first
        if n < len(rows):  # the next node is still blank
            later = rows[n]
            assert f"grad {num(later.grad)}" not in node_text(driver, later.name)
        if n == 3:
            visited = rows[:3]
            for r in visited:
                assert f"grad {num(r.grad)}" in node_text(driver, r.name)
    assert severe(driver) == []


def test_keys_slider_and_prev(driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    loss = small_network()
    rows = list(backprop_table(loss))
    driver.get(save_stepper(loss, tmp_path / "page.html").resolve().as_uri())
    body = driver.find_element(By.TAG_NAME, "body")
    for _ in range(4):
        body.send_keys(Keys.ARROW_RIGHT)
    assert current(driver).startswith(rows[3].name)
    body.send_keys(Keys.ARROW_LEFT)
    assert current(driver).startswith(rows[2].name)
    driver.find_element(By.ID, "prev").click()
    assert current(driver).startswith(rows[1].name)
    slider = driver.find_element(By.ID, "slider")
    driver.execute_script(
        "arguments[0].value = arguments[1];arguments[0].dispatchEvent(new Event('input'));",
        slider,
        str(len(rows)),
    )
    last = rows[-1]
    assert current(driver).startswith(last.name) and f"grad {num(last.grad)}" in current(driver)
    body.send_keys(Keys.HOME)
    assert current(driver) == ""
    # The address can open the page at a step.
    driver.get(save_stepper(loss, tmp_path / "page.html").resolve().as_uri() + "#5")
    assert current(driver).startswith(rows[4].name)
    assert severe(driver) == []


def test_hostile_labels_stay_text(driver: Any, tmp_path: Path) -> None:
    a = Value(2.0, "<img src=x onerror=alert(1)>")
    b = Value(3.0, "</script><script>window.pwned=1</script>")
    c = a * b
    c.label = '\\N & {x|y} "q"'
    page = save_stepper(c, tmp_path / "evil.html", title="<b>title</b>")
    driver.get(page.resolve().as_uri())
    from selenium.webdriver.common.by import By

    assert driver.execute_script("return window.pwned === undefined")
    assert driver.find_elements(By.TAG_NAME, "img") == []
    assert driver.find_element(By.TAG_NAME, "h1").text == "<b>title</b>"
    driver.find_element(By.ID, "next").click()
    assert current(driver).startswith('\\N & {x|y} "q"')
    assert severe(driver) == []


def test_console_errors_are_caught(driver: Any, tmp_path: Path) -> None:
    """The no-console-error checks above can fail: a page whose script throws is seen."""
    page = save_stepper(small_network(), tmp_path / "page.html")
    broken = tmp_path / "broken.html"
    text = page.read_text("utf-8").replace('"use strict";', '"use strict"; null.oops();', 1)
    broken.write_text(text, "utf-8")
    driver.get(broken.resolve().as_uri())
    errors = severe(driver)
    assert errors and "oops" in errors[0]["message"]


def test_the_policy_blocks_every_load(driver: Any, tmp_path: Path) -> None:
    """The page's Content-Security-Policy refuses a script, a stylesheet, an image, a frame
    and a fetch, even of files right next to it (so a label can never load anything)."""
    page = save_stepper(small_network(), tmp_path / "page.html")
    (tmp_path / "x.js").write_text("window.loaded = true;", "utf-8")
    (tmp_path / "x.css").write_text("body { background: rgb(1, 2, 3); }", "utf-8")
    (tmp_path / "x.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', "utf-8")
    probes = (
        '<script src="x.js"></script><link rel="stylesheet" href="x.css">'
        '<img id="probe" src="x.svg"><iframe src="x.svg"></iframe>'
    )
    text = page.read_text("utf-8").replace("</body>", probes + "</body>", 1)
    (tmp_path / "probed.html").write_text(text, "utf-8")
    driver.get((tmp_path / "probed.html").resolve().as_uri())
    assert driver.execute_script("return window.loaded === undefined")
    assert driver.execute_script("return getComputedStyle(document.body).backgroundColor") != (
        "rgb(1, 2, 3)"
    )
    assert driver.execute_script("return document.getElementById('probe').naturalWidth") == 0
    fetched = driver.execute_async_script(
        "const done = arguments[0];"
        "fetch('x.js').then(() => done('loaded'), e => done('refused: ' + e));"
    )
    assert fetched.startswith("refused"), fetched
    logs = driver.get_log("browser")
    refused = [e["message"] for e in logs if "Content Security" in e["message"]]
    assert len(refused) >= 4, refused
