"""The Streamlit front end: the only package that imports streamlit.

The server does many tiny inferences (one z, a small grid) while the browser, other
sessions or a training run keep the cores busy: with two intra-op threads each of them
waits for a second core to come free (tens to hundreds of ms on a 2-core machine), with
one it takes a fraction of a millisecond. Training jobs set their own thread count.
"""

import torch

torch.set_num_threads(1)
