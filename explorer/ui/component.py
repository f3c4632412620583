"""A Streamlit Components v2 element whose script is one of the page's own modules
(explorer/page/web/, joined into one script), and the model files it reads.

The script and the files travel once per page as content-hash static files
(explorer/ui/static_files.py), or inline with every render when static serving is off. The
data goes as JSON in bytes: Streamlit checks each value of a dict for a dataframe, and that
check imports pandas (half a second of the first page).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import streamlit as st

from explorer.files import content_name
from explorer.page import web
from explorer.page.prepared import PageData
from explorer.ui import static_files


class PageComponent:
    def __init__(self, name: str, entry: Path):
        self.script = web.script(entry).encode()
        self.script_name = content_name(self.script, ".js")
        # Streamlit sends a component's inline script with every render whose data changed
        # (tens of KiB); with static serving the page imports it once and gets this instead
        loader = f"""// loads {entry.name} (+ explorer/page/web/), published statically
export default async function (component) {{
  const view = await import(new URL("app/static/{static_files.FOLDER}/{self.script_name}",
                                    document.baseURI).href);
  return view.default(component);
}}
"""
        self._inline = st.components.v2.component(f"latent_explorer.{name}",
                                                  js=self.script.decode(), css=web.css())
        self._static = st.components.v2.component(f"latent_explorer.{name}_static",
                                                  js=loader, css=web.css())

    @staticmethod
    def file(page: PageData, name: str) -> dict:
        """Where the page gets one of the model's files: a static URL, else inline bytes."""
        content = page.content_name(name)
        src = static_files.url_for(content, page.file(name))
        if src is not None:
            return {"name": content, "src": src}
        return {"name": content,
                "inline": base64.b64encode(page.file(name).read_bytes()).decode("ascii")}

    def mount(self, data: dict, files: list[dict], *, key: str, **callbacks) -> None:
        """Draw it with `data` (which holds `files`, from `file`)."""
        js = static_files.url_for(self.script_name, self.script)
        static = js is not None and all("src" in f for f in files)
        mount = self._static if static else self._inline
        mount(key=key, data=json.dumps(data).encode(), width="stretch", height="content",
              **callbacks)
