"""Streamlit: secrets with defaults, cached loaders, and the widgets users fill."""

from __future__ import annotations

from auditor.code.models.spec import EnvGetter, LibraryModel, Source, arg

MODEL = LibraryModel(
    name="streamlit",
    env_getters=(
        EnvGetter(
            ("streamlit.secrets.get", "st.secrets.get"),
            key=arg(0, "key"),
            default=arg(1, "default"),
        ),
    ),
    mapping_sources=(Source(("streamlit.secrets",), "the configuration"),),
    sources=(
        Source(
            (
                "streamlit.multiselect",
                "streamlit.text_input",
                "streamlit.text_area",
                "streamlit.number_input",
                "streamlit.selectbox",
                "streamlit.sidebar.multiselect",
                "streamlit.data_editor",
            ),
            "user input",
        ),
        Source(("streamlit.file_uploader",), "a file", stored=True),
    ),
    namespaces=("streamlit.session_state",),
)
