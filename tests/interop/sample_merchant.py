"""Start the official UCP sample merchant (PyPI ``ucp-client[server]``) on 127.0.0.1.

Run inside the sample's own virtual environment::

    python sample_merchant.py --data_dir=DIR --port=PORT

The sample's ``server.py`` binds 0.0.0.0 and imports its modules as top-level names, so this
script puts the package's ``mockup_server`` directory on ``sys.path``, runs its CSV import step
into fresh databases, then serves its FastAPI ``app`` with uvicorn on loopback only.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import ucp_client  # type: ignore[import-not-found]  # only in the sample's own venv

SERVER_DIR = Path(ucp_client.__file__).parent / "mockup_server"


def main(argv: list[str]) -> None:
    options = dict(arg.removeprefix("--").split("=", 1) for arg in argv[1:])
    data_dir = Path(options["data_dir"])
    data_dir.mkdir(parents=True, exist_ok=True)
    products, transactions = data_dir / "products.db", data_dir / "transactions.db"
    sys.path.insert(0, str(SERVER_DIR))
    os.chdir(SERVER_DIR)
    import import_csv  # type: ignore[import-not-found]  # defines its flags on import
    from absl import flags  # type: ignore[import-not-found]

    flags.FLAGS(
        [
            argv[0],
            f"--products_db_path={products}",
            f"--transactions_db_path={transactions}",
            f"--data_dir={SERVER_DIR / 'test_data'}",
        ]
    )
    asyncio.run(import_csv.import_csv_data())
    asyncio.run(import_csv.db.manager.close())

    import server  # type: ignore[import-not-found]
    import uvicorn

    # "Uvicorn running on …" (logged at info) is the readiness line the test setup waits for.
    uvicorn.run(server.app, host="127.0.0.1", port=int(options["port"]), access_log=False)


if __name__ == "__main__":
    main(sys.argv)
