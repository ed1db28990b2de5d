# Sourced by the baseline scripts: makes sure target/bench-venv holds the pinned packages
# (jieba 0.42.1, scikit-learn 1.9.1, from PyPI; nothing is installed system-wide) and sets VENV.
VENV=target/bench-venv
if ! "$VENV/bin/python" -c 'import jieba, sklearn' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet jieba==0.42.1 scikit-learn==1.9.1
fi
