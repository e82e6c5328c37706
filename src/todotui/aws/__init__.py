"""All IO with AWS, asynchronous (aiobotocore). Nothing here imports Textual."""
