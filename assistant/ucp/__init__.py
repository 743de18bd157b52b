"""The UCP platform client: discovery, transports (MCP, REST) and one typed method per operation.

Nothing is exported here, so importing one piece (``assistant.ucp.urls``) never loads httpx2 and
the rest: import from the module that defines what you need (``assistant.ucp.client.UcpClient``).
"""
