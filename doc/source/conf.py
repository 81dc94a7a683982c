project = 'rtnova'
copyright = 'rtnova developers'
extensions = []
master_doc = 'index'
exclude_patterns = []
html_theme = 'alabaster'
