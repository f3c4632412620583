"""`python -m explorer.datasets import PATH --name NAME`: make a dataset of your pictures."""

from explorer.datasets.reading import main

raise SystemExit(main())
