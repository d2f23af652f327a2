"""Readiness probe for scripts/services/neo4j.sh: one real Cypher query over
Bolt 4.4. Usage: check.py URI USER PASSWORD [--vector]. Exit 0 when it works;
--vector also creates, uses and drops a vector index."""
import sys

from neo4j import GraphDatabase


def main() -> int:
    uri, user, password = sys.argv[1:4]
    with GraphDatabase.driver(uri, auth=(user, password)) as driver:
        with driver.session() as session:
            assert session.run("RETURN 1 AS one").single()["one"] == 1
            if "--vector" in sys.argv:
                check_vector_index(session)
    return 0


def check_vector_index(session) -> None:
    session.run("DROP INDEX sg_probe_vec IF EXISTS").consume()
    session.run(
        "CREATE VECTOR INDEX sg_probe_vec IF NOT EXISTS FOR (n:SgProbe) ON n.embedding "
        "OPTIONS {indexConfig: {`vector.dimensions`: 3, `vector.similarity_function`: 'cosine'}}"
    ).consume()
    session.run("CALL db.awaitIndexes(30)").consume()
    session.run(
        "UNWIND [[1.0,0.0,0.0],[0.0,1.0,0.0],[0.9,0.1,0.0]] AS v "
        "CREATE (:SgProbe {embedding: v})"
    ).consume()
    rows = session.run(
        "CALL db.index.vector.queryNodes('sg_probe_vec', 2, [1.0, 0.0, 0.0]) "
        "YIELD node, score RETURN node.embedding AS e, score"
    ).data()
    session.run("MATCH (n:SgProbe) DETACH DELETE n").consume()
    session.run("DROP INDEX sg_probe_vec").consume()
    print("vector index ok:", rows)


if __name__ == "__main__":
    sys.exit(main())
